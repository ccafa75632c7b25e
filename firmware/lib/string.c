/* memset and memcpy a word at a time: picolibc's go byte by byte, and the
 * compiler calls them for every zeroed struct (a kernel's job description,
 * 80 to 200 bytes, per layer). Byte loops cover unaligned heads and tails. */
#include <stddef.h>
#include <stdint.h>

void* memset(void* dst, int value, size_t n) {
  uint8_t* d = dst;
  const uint8_t byte = (uint8_t)value;
  while (n > 0 && ((uintptr_t)d & 3u)) *d++ = byte, --n;
  const uint32_t word = 0x01010101u * byte;
  for (; n >= 16; n -= 16, d += 16) {
    ((uint32_t*)d)[0] = word;
    ((uint32_t*)d)[1] = word;
    ((uint32_t*)d)[2] = word;
    ((uint32_t*)d)[3] = word;
  }
  for (; n >= 4; n -= 4, d += 4) *(uint32_t*)d = word;
  while (n > 0) *d++ = byte, --n;
  return dst;
}

void* memcpy(void* restrict dst, const void* restrict src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
    for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t*)d = *(const uint32_t*)s;
  }
  while (n > 0) *d++ = *s++, --n;
  return dst;
}
