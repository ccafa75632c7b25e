# The memory system through `vtpu memtest` (docs/memory.md): the formulas for
# unloaded latency and streaming bandwidth, every preset, traces, bad input.
# The controller's own cycle-level tests are unit/hbm_controller_test.cpp.

set(MEMTEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/memory)
set(FULL_STACK --set hbm.channels=0 --set interconnect.dma.bytes_per_cycle=0)

# Default config (edge: one HBM2 channel), the acceptance run.
vtpu_json_test(memtest.seq_default_reaches_90_percent
  CHECKS "efficiency >= 0.90" "peak_gbps == 32" "row_hit_rate > 0.9" "requests == 1000000"
  ARGS memtest --pattern seq --requests 1000000 --size 32)
# Unloaded, one request at a time on HBM2 (tCK = 1 ns = the core clock):
# row miss = (tRP + tRCD + RL + tBL) x tCK + controller 2 + links (dma 1 + hbm 2)
#          = (14 + 14 + 14 + 2) + 2 + 3 = 49 ns; row hit = (RL + tBL) + 5 = 21 ns.
vtpu_json_test(memtest.unloaded_row_miss_latency
  CHECKS "latency_ns.p50 == 49" "row_hit_rate < 0.01"
  ARGS memtest --pattern random --requests 3000 --size 32 --outstanding 1)
vtpu_json_test(memtest.unloaded_row_hit_latency
  CHECKS "latency_ns.p50 == 21" "row_hit_rate > 0.9"
  ARGS memtest --pattern seq --requests 3000 --size 32 --outstanding 1)
# Random 32 B reads are row misses, bank-limited: well below streaming.
vtpu_json_test(memtest.random_is_bank_limited
  CHECKS "efficiency < 0.6" "row_hit_rate < 0.01" "latency_ns.mean > 100"
  ARGS memtest --pattern random --requests 200000 --size 32)
# Every preset on a full stack (DDR3: its two channels) streams at >= 90 % of
# its pin bandwidth; tpuv1-like's DDR3 sustains about 34 GB/s.
foreach(preset hbm2 hbm2e hbm3)
  vtpu_json_test(memtest.seq_full_stack_${preset}
    CHECKS "efficiency >= 0.90"
    ARGS memtest --pattern seq --requests 300000 --size 32 --set hbm.preset=${preset} ${FULL_STACK})
endforeach()
vtpu_json_test(memtest.seq_tpuv1_ddr3
  CHECKS "efficiency >= 0.90" "bandwidth_gbps >= 30.6" "bandwidth_gbps <= 37.4"
  ARGS memtest --config tpuv1-like --pattern seq --requests 300000 --size 64)
# Writes and a stride through the same path: a 4 KiB stride keeps every
# access in one bank group, so tCCD_L (not tCCD_S) spaces them: < 50 %.
vtpu_json_test(memtest.mixed_writes_and_stride
  CHECKS "writes > 13000" "writes < 17000" "efficiency < 0.5"
  ARGS memtest --pattern stride --stride 4096 --requests 50000 --size 64 --write-ratio 0.3)
# A trace: 6 requests, 2 writes; the first is alone (unloaded row miss on a
# closed bank: tRCD + RL + tBL + 5 = 35 ns), the others follow later.
vtpu_json_test(memtest.trace
  CHECKS "requests == 6" "writes == 2" "bytes == 224" "latency_ns.max < 100"
  ARGS memtest --trace ${MEMTEST_DIR}/small.trace)

# Bad input: one line naming the file and line, exit status 2.
vtpu_run_test(memtest.bad_trace_syntax EXIT 2
  STDERR "^vtpu: [^\n]*bad_syntax.trace:3: expected '<time_ns>: read\\|write <address> <size>'\n$"
  ARGS memtest --trace ${MEMTEST_DIR}/bad_syntax.trace)
vtpu_run_test(memtest.bad_trace_address EXIT 2
  STDERR "^vtpu: [^\n]*bad_address.trace:2: request 0x20000000\\+32 lies beyond the HBM \\(536870912 bytes\\)\n$"
  ARGS memtest --trace ${MEMTEST_DIR}/bad_address.trace)
vtpu_run_test(memtest.bad_trace_zero_size EXIT 2
  STDERR "^vtpu: [^\n]*zero_size.trace:4: request size is zero\n$"
  ARGS memtest --trace ${MEMTEST_DIR}/zero_size.trace)
vtpu_run_test(memtest.bad_size EXIT 2 STDERR "^vtpu: --size: a request of zero bytes\n$"
  ARGS memtest --pattern seq --requests 10 --size 0)
vtpu_run_test(memtest.stride_beyond_hbm EXIT 2
  STDERR "^vtpu: --stride 99999999999999: not below the HBM's [0-9]+ bytes [^\n]*\n$"
  ARGS memtest --pattern stride --stride 99999999999999 --requests 10 --size 32)
vtpu_run_test(memtest.bad_pattern EXIT 2 STDERR "^vtpu: --pattern zigzag: expected seq, random or stride\n$"
  ARGS memtest --pattern zigzag --requests 10 --size 32)
vtpu_run_test(memtest.missing_trace EXIT 2 STDERR "^vtpu: [^\n]*nothing.trace: cannot open\n$"
  ARGS memtest --trace ${MEMTEST_DIR}/nothing.trace)
vtpu_run_test(memtest.bad_mapping EXIT 2
  STDERR "^vtpu: hbm.address_mapping: unknown field 'xx'[^\n]*\n$"
  ARGS memtest --pattern seq --requests 10 --size 32 --set hbm.address_mapping=ro-ba-co-bg-pc-ch-xx)
