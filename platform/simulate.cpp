#include "platform/simulate.h"

// GCC says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define VTPU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VTPU_ASAN 1
#endif
#endif

#if defined(VTPU_ASAN)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace vtpu {

namespace {

// Under AddressSanitizer, Debian's SystemC 2.3.4 announces its coroutine
// switches to ASan (__sanitizer_start_switch_fiber), but gives the main
// context no stack: back in sc_main ASan believes the stack is empty and
// reports any later throw as a stack overflow (google/sanitizers#189). Here
// the main thread's real stack is announced again.
void give_asan_the_main_stack() {
#if defined(VTPU_ASAN)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  size_t size = 0;
  pthread_attr_getstack(&attr, &bottom, &size);
  pthread_attr_destroy(&attr);
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace

void simulate() {
  sc_core::sc_start();
  give_asan_the_main_stack();
}

void elaborate() {
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  give_asan_the_main_stack();
}

void simulate(const sc_core::sc_time& limit) {
  sc_core::sc_start(limit, sc_core::SC_EXIT_ON_STARVATION);
  give_asan_the_main_stack();
}

}  // namespace vtpu
