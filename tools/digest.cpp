#include "tools/digest.h"

#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <vector>

namespace vtpu {
namespace {

// The digest of what `feed` gives it, in hex; "" when `feed` fails.
std::string sha256_of(const std::function<bool(EVP_MD_CTX*)>& feed) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
  if (!context || !EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr)) return "";
  if (!feed(context.get())) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (!EVP_DigestFinal_ex(context.get(), digest, &size)) return "";
  std::string hex;
  for (unsigned i = 0; i < size; ++i) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

}  // namespace

std::string sha256_hex(const std::string& data) {
  return sha256_of(
      [&data](EVP_MD_CTX* c) { return EVP_DigestUpdate(c, data.data(), data.size()) == 1; });
}

std::string file_sha256(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  return sha256_of([&in](EVP_MD_CTX* c) {
    std::vector<char> chunk(1 << 20);
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (in.gcount() > 0 && EVP_DigestUpdate(c, chunk.data(), in.gcount()) != 1) return false;
    }
    return !in.bad();
  });
}

}  // namespace vtpu
