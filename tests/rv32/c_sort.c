/* A plain C program on the firmware library: printf with several formats,
 * recursive functions, and sorting (a recursive quicksort checked against
 * an insertion sort), all printing results known in advance. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static unsigned fib(unsigned n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static unsigned ackermann(unsigned m, unsigned n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static unsigned hanoi(int n, int from, int to, int via) {
  if (n == 0) return 0;
  return hanoi(n - 1, from, via, to) + 1 + hanoi(n - 1, via, to, from);
}

static int gcd(int a, int b) {
  return b == 0 ? a : gcd(b, a % b);
}

static void quicksort(int* a, int lo, int hi) {
  if (lo >= hi) return;
  int pivot = a[(lo + hi) / 2], i = lo, j = hi;
  while (i <= j) {
    while (a[i] < pivot) ++i;
    while (a[j] > pivot) --j;
    if (i <= j) {
      int t = a[i];
      a[i++] = a[j];
      a[j--] = t;
    }
  }
  quicksort(a, lo, j);
  quicksort(a, i, hi);
}

static void insertion_sort(int* a, int n) {
  for (int i = 1; i < n; ++i) {
    int v = a[i], j = i - 1;
    for (; j >= 0 && a[j] > v; --j) a[j + 1] = a[j];
    a[j + 1] = v;
  }
}

#define N 200
static int big[N], copy[N];

int main(void) {
  printf("fmt: %d|%i|%u|%x|%X|%o|%c|%s|%%\n", -123, 456, 3000000000u, 0xdeadbeefu, 0xabcdefu, 8u,
         'Z', "str");
  printf("width: [%6d] [%-6d] [%06d] [%+d] [% d] [%.3d] [%8.3s] [%-4s] [%#x] [%#o]\n", 42, 42, -42,
         7, 7, 5, "abcdef", "ab", 255u, 8u);
  printf("long: %ld %lu %lx %lld %llx\n", -2147483647L - 1, 4294967295UL, 0x7fffffffUL,
         -9000000000LL, 0x123456789abcdefULL);
  char buf[16];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation" /* truncation is the point */
  int len = snprintf(buf, sizeof buf, "%s-%d", "overflowing", 12345);
#pragma GCC diagnostic pop
  CHECK_EQ(len, 17); /* the length it would have had */
  CHECK_EQ(strcmp(buf, "overflowing-123"), 0);

  printf("fib(20)=%u ack(2,3)=%u hanoi(10)=%u gcd(1071,462)=%d\n", fib(20), ackermann(2, 3),
         hanoi(10, 1, 3, 2), gcd(1071, 462));

  int small[] = {29, -7, 3, 101, 0, -45, 3, 88, 12, -1};
  const int n = (int)(sizeof small / sizeof small[0]);
  quicksort(small, 0, n - 1);
  printf("sorted:");
  for (int i = 0; i < n; ++i) printf(" %d", small[i]);
  printf("\n");

  /* a larger pseudo-random array: both sorts agree, order and sum hold */
  uint32_t x = 12345;
  int64_t sum = 0;
  for (int i = 0; i < N; ++i) {
    x = x * 1103515245u + 12345u;
    big[i] = (int)(x >> 16) - 16384;
    copy[i] = big[i];
    sum += big[i];
  }
  quicksort(big, 0, N - 1);
  insertion_sort(copy, N);
  CHECK_EQ(memcmp(big, copy, sizeof big), 0);
  int64_t sorted_sum = 0;
  for (int i = 0; i < N; ++i) {
    if (i > 0) CHECK(big[i - 1] <= big[i]);
    sorted_sum += big[i];
  }
  CHECK(sorted_sum == sum);

  printf("PASS c_sort\n");
  return 0;
}
