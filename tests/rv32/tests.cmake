# Runs of the RV32 test programs built in tests/rv32 (see CMakeLists.txt there).
vtpu_run_test(rv32.rv32i_alu EXIT 0 ARGS firmware ${FW}/rv32/rv32i_alu.elf)
vtpu_run_test(rv32.c_printf EXIT 0
  STDOUT "int -42 hex 0000beef str ok pad \\[    7\\]\nPASS c_printf"
  ARGS firmware ${FW}/rv32/c_printf.elf)
