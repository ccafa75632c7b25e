// Reading a whole input file: a regular file of at most `limit` bytes, so that
// a device (/dev/zero), a pipe or a directory gets an error instead of a read
// that never ends or fails half-way.
#pragma once

#include <cstdint>
#include <string>

namespace vtpu {

// Throws vtpu::Error("PATH: cannot open") or ("PATH: not a regular file")
// unless `path` is a regular file: for readers that stream a file instead of
// reading it whole (a pipe would block them, a directory read as empty).
void require_regular_file(const std::string& path);

// The bytes of `path`; throws vtpu::Error("PATH: ...") when it cannot be
// opened, is not a regular file, or is larger than `limit`.
std::string read_file(const std::string& path, uint64_t limit = uint64_t{1} << 31);

}  // namespace vtpu
