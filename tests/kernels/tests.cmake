# Kernel library runs (firmware in tests/kernels): the same ELF on every
# preset, with the runtime's double buffering on and off.
foreach(config edge tpuv1-like tpuv3-like)
  vtpu_run_test(kernels.matmul_int8_${config} EXIT 0
    STDOUT "PASS matmul_int8: 23091 outputs, double buffering on\n$"
    ARGS firmware ${FW}/kernels/matmul_int8.elf --config ${config} --max-time 500ms)
endforeach()
vtpu_run_test(kernels.matmul_int8_single_buffered EXIT 0
  STDOUT "PASS matmul_int8: 23091 outputs, double buffering off\n$"
  ARGS firmware ${FW}/kernels/matmul_int8.elf --set runtime.double_buffering=false --max-time 500ms)
