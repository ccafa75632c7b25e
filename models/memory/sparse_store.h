// Backing store for large memories (HBM, DRAM): 64 KiB pages allocated on
// first write, so a 32 GiB address space costs only what is touched. Reads of
// untouched bytes return zero.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace vtpu::memory {

class SparseStore {
 public:
  static constexpr unsigned kPageBits = 16;
  static constexpr uint64_t kPageSize = uint64_t{1} << kPageBits;

  void read(uint64_t address, uint8_t* out, uint64_t length) const {
    while (length > 0) {
      uint64_t offset = address & (kPageSize - 1);
      uint64_t n = std::min(length, kPageSize - offset);
      auto page = pages_.find(address >> kPageBits);
      if (page == pages_.end())
        std::memset(out, 0, n);
      else
        std::memcpy(out, page->second.get() + offset, n);
      address += n, out += n, length -= n;
    }
  }

  void write(uint64_t address, const uint8_t* in, uint64_t length) {
    while (length > 0) {
      uint64_t offset = address & (kPageSize - 1);
      uint64_t n = std::min(length, kPageSize - offset);
      std::unique_ptr<uint8_t[]>& page = pages_[address >> kPageBits];
      // A new page is zeroed first unless this write fills it (a model's
      // image loading: one pass over its memory instead of two).
      if (!page) page.reset(n == kPageSize ? new uint8_t[kPageSize] : new uint8_t[kPageSize]());
      std::memcpy(page.get() + offset, in, n);
      address += n, in += n, length -= n;
    }
  }

  uint64_t bytes_allocated() const { return pages_.size() * kPageSize; }

 private:
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
};

}  // namespace vtpu::memory
