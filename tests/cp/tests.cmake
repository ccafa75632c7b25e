# The command processor through firmware (tests/cp).
vtpu_run_test(cp.matmul_through_registers EXIT 0 STDOUT "PASS cp_matmul: 46170 MACs\n$"
  ARGS firmware ${FW}/cp/cp_matmul.elf --max-time 10ms)
vtpu_run_test(cp.matmul_through_registers_tpuv3 EXIT 0 STDOUT "PASS cp_matmul: 46170 MACs\n$"
  ARGS firmware ${FW}/cp/cp_matmul.elf --max-time 10ms --config tpuv3-like)
vtpu_run_test(cp.instruction_rings EXIT 0 STDOUT "PASS cp_ring\n$"
  ARGS firmware ${FW}/cp/cp_ring.elf --max-time 10ms)
