/* A compute-bound integer workload for measuring ISS speed: CRC-32 (shifts,
 * branches), a 24x24 integer matrix product (loads, multiplies) and an
 * insertion sort (data-dependent branches), repeated ROUNDS times. It prints
 * one checksum, so runs on different simulators can be compared. */
#include <stdint.h>

#include "bench.h"

#ifndef ROUNDS
#define ROUNDS 2000
#endif
#define N 24
#define BUF 1024

static uint8_t buffer[BUF];
static int32_t a[N][N], b[N][N], c[N][N];
static int32_t sort_data[256];

static uint32_t crc32(const uint8_t* p, unsigned n, uint32_t crc) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static uint32_t matmul(void) {
  uint32_t sum = 0;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      int32_t acc = 0;
      for (int k = 0; k < N; ++k) acc += a[i][k] * b[k][j];
      c[i][j] = acc;
      sum += (uint32_t)acc;
    }
  return sum;
}

static uint32_t sort(uint32_t seed) {
  for (int i = 0; i < 256; ++i) {
    seed = seed * 1664525u + 1013904223u;
    sort_data[i] = (int32_t)(seed >> 8);
  }
  for (int i = 1; i < 256; ++i) {
    int32_t v = sort_data[i];
    int j = i - 1;
    while (j >= 0 && sort_data[j] > v) {
      sort_data[j + 1] = sort_data[j];
      --j;
    }
    sort_data[j + 1] = v;
  }
  return (uint32_t)sort_data[0] ^ (uint32_t)sort_data[128] ^ (uint32_t)sort_data[255];
}

static void print_hex(uint32_t v) {
  for (int i = 7; i >= 0; --i) bench_putc("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

int main(void) {
  for (int i = 0; i < BUF; ++i) buffer[i] = (uint8_t)(i * 7 + 3);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      a[i][j] = i - j;
      b[i][j] = i * j + 1;
    }
  uint32_t check = 0;
  for (int r = 0; r < ROUNDS; ++r) {
    buffer[r % BUF] ^= (uint8_t)r;
    check ^= crc32(buffer, BUF, (uint32_t)r);
    a[r % N][(r * 5) % N] += 1;
    check += matmul();
    check ^= sort(check);
  }
  const char* label = "iss workload checksum ";
  while (*label) bench_putc(*label++);
  print_hex(check);
  bench_putc('\n');
  return 0;
}
