# Scripted GDB sessions (gdb-multiarch, Debian) against the stub.
find_program(GDB_MULTIARCH gdb-multiarch)
if(NOT GDB_MULTIARCH)
  message(FATAL_ERROR "gdb-multiarch not found: scripts/setup.sh installs it")
endif()
set(GDB_DIR ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME gdb.break_watch_exit
  COMMAND ${GDB_DIR}/run_session.sh $<TARGET_FILE:vtpu> ${FW}/gdb/gdb_target.elf
          ${GDB_DIR}/break_watch_exit.gdb 7
          "^square\\(1\\)$" "^square\\(2\\)$" "^square\\(3\\)$" "^square\\(4\\)$"
          "Hardware watchpoint 2: counter" "New value = 30" "^\\$1 = 30$"
          "simulated time: [0-9.e+]+ ns, core cycles: [0-9]+, instructions retired: [0-9]+"
          "exited with code 07")
add_test(NAME gdb.step_next
  COMMAND ${GDB_DIR}/run_session.sh $<TARGET_FILE:vtpu> ${FW}/gdb/gdb_target.elf
          ${GDB_DIR}/step_next.gdb 5
          "Breakpoint 1, main \\(\\) at .*gdb_target.c:15" "^16[[:space:]]+for \\(int i = 1"
          "square \\(n=1\\) at .*gdb_target.c:10" "^\\$1 = 1$" "^11[[:space:]]+return result;"
          "^\\$2 = 1$" "^0x[0-9a-f]+ in main \\(\\) at .*gdb_target.c:16" "Value returned is \\$3 = 1"
          "^pc +0x8")
set_tests_properties(gdb.break_watch_exit gdb.step_next PROPERTIES TIMEOUT 180)
add_test(NAME gdb.protocol_errors
  COMMAND ${GDB_DIR}/protocol_errors.sh $<TARGET_FILE:vtpu> ${FW}/cli/spin.elf)
set_tests_properties(gdb.protocol_errors PROPERTIES TIMEOUT 120)
add_test(NAME gdb.watch_kinds_detach
  COMMAND ${GDB_DIR}/run_session.sh $<TARGET_FILE:vtpu> ${FW}/gdb/gdb_target.elf
          ${GDB_DIR}/watch_kinds_detach.gdb 7
          "Hardware read watchpoint 1: limit" "^Value = 4$"
          "Hardware access \\(read/write\\) watchpoint 2: counter" "New value = 30"
          "^time frozen$" "Remote target\\) detached")
set_tests_properties(gdb.watch_kinds_detach PROPERTIES TIMEOUT 120)
