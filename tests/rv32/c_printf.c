/* picolibc printf over the UART: integers, strings, padding. */
#include <stdio.h>

#include "check.h"

int main(void) {
  printf("int %d hex %08x str %s pad [%5d]\n", -42, 0xbeefu, "ok", 7);
  char buf[32];
  CHECK_EQ(snprintf(buf, sizeof buf, "%u", 1234567u), 7);
  printf("PASS c_printf\n");
  return 0;
}
