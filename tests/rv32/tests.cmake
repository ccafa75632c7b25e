# Runs of the RV32 test programs built in tests/rv32 (see CMakeLists.txt there).
# Assembly programs exit with 0 or the number of the failing check; C programs
# exit with 0 or 1 and print "FAIL file:line" on failure. Every run is bounded
# in simulated time, so a program that goes astray fails instead of hanging.
set(RV32_LIMIT --max-time 10ms)

foreach(name rv32i_alu rv32i rv32m rv32a rv32c zicsr zifencei traps illegal_insn
    mtvec_vectored cycle_costs pmp)
  vtpu_run_test(rv32.${name} EXIT 0 ARGS firmware ${FW}/rv32/${name}.elf ${RV32_LIMIT})
endforeach()
# Without DMI every data access goes through the bus: misaligned RAM accesses
# must still work.
vtpu_run_test(rv32.rv32i_nodmi EXIT 0
  ARGS firmware ${FW}/rv32/rv32i.elf --set core.dmi=false ${RV32_LIMIT})

vtpu_run_test(rv32.c_printf EXIT 0
  STDOUT "int -42 hex 0000beef str ok pad \\[    7\\]\nPASS c_printf"
  ARGS firmware ${FW}/rv32/c_printf.elf ${RV32_LIMIT})
set(C_SORT_OUTPUT "^fmt: -123\\|456\\|3000000000\\|deadbeef\\|ABCDEF\\|10\\|Z\\|str\\|%\n\
width: \\[    42\\] \\[42    \\] \\[-00042\\] \\[\\+7\\] \\[ 7\\] \\[005\\] \\[     abc\\] \\[ab  \\] \\[0xff\\] \\[010\\]\n\
long: -2147483648 4294967295 7fffffff -9000000000 123456789abcdef\n\
fib\\(20\\)=6765 ack\\(2,3\\)=9 hanoi\\(10\\)=1023 gcd\\(1071,462\\)=21\n\
sorted: -45 -7 -1 0 3 3 12 29 88 101\n\
PASS c_sort\n$")
vtpu_run_test(rv32.c_sort EXIT 0 STDOUT "${C_SORT_OUTPUT}"
  ARGS firmware ${FW}/rv32/c_sort.elf ${RV32_LIMIT})
# Timing must not change functional results: a 1 ns quantum (a sync every
# instruction or so) and no DMI give the same output.
vtpu_run_test(rv32.c_sort_small_quantum_no_dmi EXIT 0 STDOUT "${C_SORT_OUTPUT}"
  ARGS firmware ${FW}/rv32/c_sort.elf ${RV32_LIMIT} --set core.quantum_ns=1 --set core.dmi=false)
vtpu_run_test(rv32.irq_timer EXIT 0
  STDOUT "^PASS irq_timer: 4 interrupts, mtime advanced >= 2000\n$"
  ARGS firmware ${FW}/rv32/irq_timer.elf ${RV32_LIMIT})
vtpu_run_test(rv32.irq_software EXIT 0
  STDOUT "^PASS irq_software: 5 interrupts\n$"
  ARGS firmware ${FW}/rv32/irq_software.elf ${RV32_LIMIT})
vtpu_run_test(rv32.irq_plic EXIT 0
  STDOUT "^PASS irq_plic: 9 interrupts, last order 5463\n$"
  ARGS firmware ${FW}/rv32/irq_plic.elf ${RV32_LIMIT})
vtpu_run_test(rv32.irq_masked EXIT 0
  STDOUT "^PASS irq_masked: timer 2, software 1\n$"
  ARGS firmware ${FW}/rv32/irq_masked.elf ${RV32_LIMIT})
# Firmware finds the CLINT, PLIC, UART and sim-control through chip info (its
# address comes in a1 at reset): the interrupt tests pass on a moved map.
set(RV32_MOVED_MAP --set address_map.clint.base=0x03000000 --set address_map.plic.base=0x04000000
  --set address_map.uart.base=0x12000000 --set address_map.sim_ctrl.base=0x12001000
  --set address_map.chip_info.base=0x13001000)
vtpu_run_test(rv32.irq_plic_moved_map EXIT 0
  STDOUT "^PASS irq_plic: 9 interrupts, last order 5463\n$"
  ARGS firmware ${FW}/rv32/irq_plic.elf ${RV32_LIMIT} ${RV32_MOVED_MAP})
vtpu_run_test(rv32.irq_timer_moved_map EXIT 0
  STDOUT "^PASS irq_timer: 4 interrupts, mtime advanced >= 2000\n$"
  ARGS firmware ${FW}/rv32/irq_timer.elf ${RV32_LIMIT} ${RV32_MOVED_MAP})
