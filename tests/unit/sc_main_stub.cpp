// The unit tests do not run a SystemC simulation, but libsystemc's own main()
// refers to sc_main; GoogleTest's main() is the one that runs.
extern "C" int sc_main(int, char*[]) {
  return 0;
}
