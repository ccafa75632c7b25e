// Writing a file all or nothing: the bytes go to PATH.partial, which is renamed
// to PATH only once complete. A reader never sees a half-written file, and a
// failure leaves neither file behind. A PATH that exists and is not a regular
// file (a device, a pipe) is written in place.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace vtpu {

// Calls `write` with a stream on PATH.partial, then renames it to `path`.
// `write` returns false (or leaves the stream failed) when it could not
// write. Throws vtpu::Error("PATH: cannot write" + `what`, e.g. " the report").
void write_file_atomically(const std::string& path, const std::function<bool(std::ostream&)>& write,
                           const std::string& what = "");

// For a file written at the end of a long run: throws vtpu::Error("OPTION
// PATH: cannot write in DIR") now when its directory is missing or not
// writable.
void check_writable(const std::string& option, const std::string& path);

}  // namespace vtpu
