// SHA-256 through OpenSSL's libcrypto: a report's model hash (what
// `sha256sum` prints) and a sweep point's name.
#pragma once

#include <string>

namespace vtpu {

// SHA-256 of `data`, in lower-case hex.
std::string sha256_hex(const std::string& data);

// SHA-256 of the file at `path`, in hex, read in chunks; "" when it cannot
// be read (a report of a run refused for its model file still gets written).
std::string file_sha256(const std::string& path);

}  // namespace vtpu
