# `vtpu gemm` (docs/mxu.md): one GEMM through the command processor, its
# mxu_cycles against the formulas computed here from the shape, and its result
# against the scalar reference (bit_exact).

function(ceil_div out a b)
  math(EXPR v "(${a} + ${b} - 1) / ${b}")
  set(${out} ${v} PARENT_SCOPE)
endfunction()

# SCALE-Sim v2 stall-free: WS ceil(K/R)*ceil(N/C)*(2R+C+M-2)-1,
# OS ceil(M/R)*ceil(N/C)*(K+R+C-2)-1.
function(gemm_formula_test name m k n size dataflow)
  if(dataflow STREQUAL "ws")
    ceil_div(f1 ${k} ${size})
    ceil_div(f2 ${n} ${size})
    math(EXPR cycles "${f1} * ${f2} * (2 * ${size} + ${size} + ${m} - 2) - 1")
  else()
    ceil_div(f1 ${m} ${size})
    ceil_div(f2 ${n} ${size})
    math(EXPR cycles "${f1} * ${f2} * (${k} + ${size} + ${size} - 2) - 1")
  endif()
  math(EXPR macs "${m} * ${k} * ${n}")
  vtpu_json_test(gemm.${name}_${size}x${size}_${dataflow}
    CHECKS "mxu_cycles == ${cycles}" "macs == ${macs}" "bit_exact is ON"
    ARGS gemm --m ${m} --k ${k} --n ${n} --dataflow ${dataflow} --timing stall-free
         --set mxu.rows=${size} --set mxu.cols=${size})
endfunction()

# ResNet-18 as GEMMs (M = Ho*Wo, K = Fh*Fw*Cin, N = Cout; SCALE-Sim's
# unpadded sizes for 224 x 224), on 32 x 32 and 128 x 128 arrays, both dataflows.
set(RESNET18
  "conv1 12100 147 64" "layer1 2916 576 64" "layer2 625 576 128" "layer2b 529 1152 128"
  "down2 729 64 128" "layer3 121 1152 256" "layer3b 81 2304 256" "layer4 16 2304 512"
  "layer4b 4 4608 512" "fc 1 512 1000")
foreach(shape ${RESNET18})
  separate_arguments(s UNIX_COMMAND "${shape}")
  list(GET s 0 name)
  list(GET s 1 m)
  list(GET s 2 k)
  list(GET s 3 n)
  foreach(size 32 128)
    gemm_formula_test(resnet18_${name} ${m} ${k} ${n} ${size} ws)
    gemm_formula_test(resnet18_${name} ${m} ${k} ${n} ${size} os)
  endforeach()
endforeach()
# The two shapes SCALE-Sim v2 itself was run on (REFERENCE-FIGURES.md), 32 x 32 WS.
vtpu_json_test(gemm.scalesim_run_conv1 CHECKS "mxu_cycles == 121939" "bit_exact is ON"
  ARGS gemm --m 12100 --k 147 --n 64 --dataflow ws --timing stall-free)
vtpu_json_test(gemm.scalesim_run_conv3x3 CHECKS "mxu_cycles == 108359" "bit_exact is ON"
  ARGS gemm --m 2916 --k 576 --n 64 --dataflow ws --timing stall-free --precision bf16)
# Overlapped (docs/mxu.md): WS R + (F-1)*max(M,R) + M + R + C + 2: 32 + 14*100 + 100 + 66.
vtpu_json_test(gemm.overlapped_ws CHECKS "mxu_cycles == 1598" "bit_exact is ON"
  ARGS gemm --m 100 --k 150 --n 90 --dataflow ws --timing overlapped)
# OS overlapped: F*max(K,R) + R + C - 2 - 1 = 4*3*150 + 61.
vtpu_json_test(gemm.overlapped_os_bf16_accumulate CHECKS "mxu_cycles == 1861" "bit_exact is ON"
  ARGS gemm --m 100 --k 150 --n 90 --dataflow os --timing overlapped --precision bf16 --accumulate)
# 2:4 sparse int8 (docs/mxu.md, "2:4 sparsity"): the dense formula with
# K_s = 2*ceil(K/4) for K; random stored weights and positions, bit-exact.
# ResNet-18's layer3 (K = 1152 -> K_s = 576) on 32 x 32, WS overlapped:
# 32 + (18*8 - 1)*121 + 121 + 32 + 32 + 2 = 17522 (dense: 36*8 folds, 34946).
vtpu_json_test(gemm.sparse_2_4_ws CHECKS "mxu_cycles == 17522" "macs == 17842176" "bit_exact is ON"
  ARGS gemm --m 121 --k 1152 --n 256 --sparsity 2:4 --dataflow ws --timing overlapped)
# Ragged (K = 45 -> K_s = 24, odd N) OS stall-free on 32 x 32:
# ceil(77/32)*ceil(33/32)*(24 + 32 + 32 - 2) - 1 = 3*2*86 - 1 = 515.
vtpu_json_test(gemm.sparse_2_4_ragged_os CHECKS "mxu_cycles == 515" "bit_exact is ON"
  ARGS gemm --m 77 --k 45 --n 33 --sparsity 2:4 --dataflow os --timing stall-free --accumulate)
# int4 weights (w4a8, docs/mxu.md): the dense formula with ceil(K/P) for K,
# P = mxu.int4_macs_per_pe. layer3 on 32 x 32, WS overlapped, P = 2:
# 32 + (18*8 - 1)*121 + 121 + 32 + 32 + 2 = 17522; P = 4: 9*8 folds, 8810.
vtpu_json_test(gemm.int4_ws CHECKS "mxu_cycles == 17522" "macs == 35684352" "bit_exact is ON"
  ARGS gemm --m 121 --k 1152 --n 256 --precision int4 --dataflow ws --timing overlapped)
vtpu_json_test(gemm.int4_ws_4_per_pe CHECKS "mxu_cycles == 8810" "bit_exact is ON"
  ARGS gemm --m 121 --k 1152 --n 256 --precision int4 --set mxu.int4_macs_per_pe=4)
# Ragged OS stall-free: ceil(77/32)*ceil(33/32)*(23 + 32 + 32 - 2) - 1 = 509.
vtpu_json_test(gemm.int4_ragged_os CHECKS "mxu_cycles == 509" "bit_exact is ON"
  ARGS gemm --m 77 --k 45 --n 33 --precision int4 --dataflow os --timing stall-free --accumulate)
vtpu_run_test(gemm.int4_on_rtl_refused EXIT 6
  STDERR "^vtpu: mxu.backend rtl: MATMUL #0 \\(int4 4x8x4, C =\\): the RTL tile has no int4-weight mode\n$"
  ARGS gemm --m 4 --k 8 --n 4 --precision int4 --set mxu.backend=rtl --set mxu.rows=8 --set mxu.cols=8)
vtpu_run_test(gemm.int4_macs_per_pe_zero EXIT 2 STDERR "^vtpu: mxu.int4_macs_per_pe: [^\n]*\n$"
  ARGS gemm --m 4 --k 4 --n 4 --precision int4 --set mxu.int4_macs_per_pe=0)
vtpu_run_test(gemm.sparse_bf16_refused EXIT 2 STDERR "^vtpu: --sparsity 2:4: int8 only\n$"
  ARGS gemm --m 4 --k 4 --n 4 --sparsity 2:4 --precision bf16)
vtpu_run_test(gemm.sparsity_unknown EXIT 2 STDERR "^vtpu: --sparsity 4:8: expected dense or 2:4\n$"
  ARGS gemm --m 4 --k 4 --n 4 --sparsity 4:8)
vtpu_run_test(gemm.sparse_not_recorded EXIT 6
  STDERR "^vtpu: mxu.record: MATMUL #0 \\(int8 2:4 4x8x4, C =\\): recordings hold dense int8 and bf16 MATMULs only \\(no 2:4 or int4 mode\\)\n$"
  ARGS gemm --m 4 --k 8 --n 4 --sparsity 2:4 --set mxu.record=${CMAKE_BINARY_DIR}/sparse.stim)
# 2:4 on the RTL tile's sparse build (docs/cosim.md), cycles by the WS
# overlapped formula R + F M + R + C + 2 with F = ceil(K_s/R) ceil(N/C) folds,
# K_s = 2 ceil(100/4) = 50: 8x8 rtl, F = 7*3 = 21: 8 + 21*40 + 8 + 8 + 2 = 866;
# 16x16 lockstep, F = 4*2 = 8: 16 + 8*40 + 16 + 16 + 2 = 370.
vtpu_json_test(gemm.sparse_on_rtl CHECKS "mxu_cycles == 866" "bit_exact is ON"
  ARGS gemm --m 40 --k 100 --n 20 --sparsity 2:4 --set mxu.backend=rtl --set mxu.rows=8
       --set mxu.cols=8)
vtpu_json_test(gemm.sparse_on_lockstep CHECKS "mxu_cycles == 370" "bit_exact is ON"
  ARGS gemm --m 40 --k 100 --n 20 --sparsity 2:4 --set mxu.backend=lockstep --set mxu.rows=16
       --set mxu.cols=16)
# The fault tile is built dense only: a 2:4 MATMUL on it stops the run.
vtpu_run_test(gemm.sparse_on_dense_tile_refused EXIT 6
  STDERR "^vtpu: mxu.backend rtl: MATMUL #0 \\(int8 2:4 4x8x4, C =\\): this RTL tile has no 2:4 sparse mode \\(no sparse pin, or an odd number of rows\\)\n$"
  ARGS gemm --m 4 --k 8 --n 4 --sparsity 2:4 --set mxu.backend=rtl --set mxu.rows=8 --set mxu.cols=8
       --set mxu.rtl_fault_bit=3)
# Ragged bf16 on a non-square array, both dataflows.
foreach(dataflow ws os)
  vtpu_json_test(gemm.ragged_bf16_${dataflow} CHECKS "bit_exact is ON" "utilization < 1"
    ARGS gemm --m 77 --k 45 --n 33 --precision bf16 --dataflow ${dataflow}
         --set mxu.rows=16 --set mxu.cols=8)
endforeach()
vtpu_run_test(gemm.bad_precision EXIT 2 STDERR "^vtpu: --precision fp8: expected int8, bf16 or int4\n$"
  ARGS gemm --m 4 --k 4 --n 4 --precision fp8)
vtpu_run_test(gemm.bad_dataflow EXIT 2 STDERR "^vtpu: dataflow 'is': expected ws or os\n$"
  ARGS gemm --m 4 --k 4 --n 4 --dataflow is)
vtpu_run_test(gemm.zero_size EXIT 2
  STDERR "^vtpu: gemm: --m 0: expected 1 to 16777216 \\(a MATMUL's m\\)\n$"
  ARGS gemm --m 0 --k 4 --n 4)
vtpu_run_test(gemm.negative_size EXIT 2
  STDERR "^vtpu: gemm: --k -1: expected 1 to 16777216 \\(a MATMUL's k\\)\n$"
  ARGS gemm --m 4 --k -1 --n 4)
vtpu_run_test(gemm.size_beyond_field EXIT 2
  STDERR "^vtpu: gemm: --n 16777217: expected 1 to 16777216 \\(a MATMUL's n\\)\n$"
  ARGS gemm --m 1 --k 1 --n 16777217)

# The RTL backends (docs/cosim.md) through the same command processor: the
# Verilated tile's C against the scalar reference, its cycles against the WS
# overlapped formula R + (F-1)*max(M,R) + M + R + C + 2.
# 8x8, F = 4*3: 8 + 11*20 + 20 + 18 = 266.
vtpu_json_test(gemm.rtl_8x8 CHECKS "mxu_cycles == 266" "bit_exact is ON" "backend is rtl"
  ARGS gemm --m 20 --k 30 --n 20 --set mxu.backend=rtl --set mxu.rows=8 --set mxu.cols=8)
# 16x16, M < R, C +=, F = 3*2: 16 + 5*16 + 5 + 34 = 135.
vtpu_json_test(gemm.lockstep_16x16 CHECKS "mxu_cycles == 135" "bit_exact is ON"
  ARGS gemm --m 5 --k 40 --n 17 --accumulate --set mxu.backend=lockstep --set mxu.rows=16
       --set mxu.cols=16)
vtpu_run_test(gemm.lockstep_catches_a_stuck_bit EXIT 6
  STDERR "^vtpu: mxu lockstep: MATMUL #0 \\(int8 3x8x8, C =\\): C\\[[0-9]+\\]\\[0\\] \\(column tile 0, tile column 0, activation row [0-9]+\\) expected -?[0-9]+ \\(tlm\\), got -?[0-9]+ \\(rtl\\)\n$"
  ARGS gemm --m 3 --k 8 --n 8 --set mxu.backend=lockstep --set mxu.rows=8 --set mxu.cols=8
       --set mxu.rtl_fault_bit=3)
# bf16 on the tile's bf16 PEs, checked element for element (fp32 sums in the
# weight-stationary order) and cycle for cycle by lockstep: 8x8, F = 3*2,
# 8 + 5*20 + 20 + 18 = 146; 32x32 with C +=, F = 2, 32 + 32 + 5 + 66 = 135.
vtpu_json_test(gemm.lockstep_bf16_8x8 CHECKS "mxu_cycles == 146" "bit_exact is ON"
  ARGS gemm --m 20 --k 20 --n 12 --precision bf16 --set mxu.backend=lockstep --set mxu.rows=8
       --set mxu.cols=8)
vtpu_json_test(gemm.lockstep_bf16_32x32 CHECKS "mxu_cycles == 135" "bit_exact is ON"
  ARGS gemm --m 5 --k 40 --n 30 --precision bf16 --accumulate --set mxu.backend=lockstep)
vtpu_run_test(gemm.rtl_needs_a_built_shape EXIT 2
  STDERR "^vtpu: mxu.backend: 'rtl' needs an RTL tile of mxu.rows x mxu.cols = 24x24; this build has 8x8, 16x16, 32x32 [(]cmake -DVTPU_RTL_SHAPES='8x8[;]16x16[;]32x32[;]24x24' builds it[)]\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.backend=rtl --set mxu.rows=24 --set mxu.cols=24)
vtpu_run_test(gemm.lockstep_needs_overlapped EXIT 2
  STDERR "^vtpu: mxu.backend: 'lockstep' compares cycles with mxu.timing overlapped, not 'stall-free'\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.backend=lockstep --set mxu.rows=8 --set mxu.cols=8
       --set mxu.timing=stall-free)
vtpu_run_test(gemm.fault_bit_needs_rtl EXIT 2
  STDERR "^vtpu: mxu.rtl_fault_bit: needs mxu.backend rtl or lockstep\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.rtl_fault_bit=3)
vtpu_run_test(gemm.rtl_fst_needs_rtl EXIT 2
  STDERR "^vtpu: mxu.rtl_fst: needs mxu.backend rtl or lockstep\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.rtl_fst=tile.fst)
vtpu_run_test(gemm.rtl_fst_and_vcd EXIT 2
  STDERR "^vtpu: mxu.rtl_fst: one waveform at a time \\(mxu.rtl_vcd is set too\\)\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.backend=rtl --set mxu.rows=8 --set mxu.cols=8
       --set mxu.rtl_fst=tile.fst --set mxu.rtl_vcd=tile.vcd)
vtpu_run_test(gemm.rtl_fst_unwritable EXIT 2
  STDERR "^vtpu: mxu.rtl_fst: cannot write '/nonexistent/tile.fst'\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.backend=rtl --set mxu.rows=8 --set mxu.cols=8
       --set mxu.rtl_fst=/nonexistent/tile.fst)
vtpu_run_test(gemm.rtl_vcd_unwritable EXIT 2
  STDERR "^vtpu: mxu.rtl_vcd: cannot write '/nonexistent/tile.vcd'\n$"
  ARGS gemm --m 4 --k 4 --n 4 --set mxu.backend=rtl --set mxu.rows=8 --set mxu.cols=8
       --set mxu.rtl_vcd=/nonexistent/tile.vcd)
