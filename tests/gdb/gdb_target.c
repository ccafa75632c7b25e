/* A program to debug: square() is called with 1..limit (4), `counter` is written once
 * with the sum (30), and the program exits with 7. */
#include <stdio.h>

#include "vtpu/fw.h"

volatile int counter, limit = 4;

int square(int n) {
  int result = n * n;
  return result;
}

int main(void) {
  int sum = 0;
  for (int i = 1; i <= limit; ++i) sum += square(i);
  counter = sum;
  printf("sum %d\n", sum);
  return 7;
}
