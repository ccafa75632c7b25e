/* The smallest useful firmware: prints over the UART and exits with 0. */
#include <stdio.h>

#include "vtpu/fw.h"

int main(void) {
  printf("hello from the vtpu control core (misa 0x%08lx)\n", (unsigned long)csr_read(misa));
  return 0;
}
