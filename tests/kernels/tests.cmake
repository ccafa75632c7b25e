# Kernel library checks (docs/testing.md): kernel_check builds random layers of
# one kind, runs them through the firmware runtime on the virtual chip and
# compares every output byte with the host's reference (sw/runtime).
add_executable(kernel_check kernels/kernel_check.cpp)
target_link_libraries(kernel_check PRIVATE vtpu_platform Boost::program_options)
set(RUNTIME_ELF ${FW}/runtime/runtime.elf)

# kernel_test(NAME EXIT n [STDOUT re] [STDERR re] ARGS ...): runs kernel_check.
function(kernel_test name)
  cmake_parse_arguments(T "" "EXIT;STDOUT;STDERR" "ARGS" ${ARGN})
  set(defs -DEXPECT_EXIT=${T_EXIT})
  foreach(kind STDOUT STDERR)
    if(DEFINED T_${kind})
      list(APPEND defs "-DEXPECT_${kind}=${T_${kind}}")
    endif()
  endforeach()
  string(REPLACE ";" "^^" command "$<TARGET_FILE:kernel_check>;--firmware;${RUNTIME_ELF};${T_ARGS}")
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${command}" ${defs}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/check_run.cmake)
endfunction()

# Every kind in both precisions on the edge chip, two seeds each.
foreach(kind matmul conv2d pool elementwise softmax layernorm copy fill)
  foreach(dtype int8 bf16)
    foreach(seed 1 2)
      kernel_test(kernels.${kind}_${dtype}_${seed} EXIT 0
        STDOUT "PASS ${kind} ${dtype}: [0-9]+ layers"
        ARGS --kind ${kind} --dtype ${dtype} --seed ${seed})
    endforeach()
  endforeach()
endforeach()

# Compressed int8 weights (model.h VTPU_WEIGHTS_*, docs/firmware.md): random
# kept weights and positions (a row named twice, one past K) or int4 nibbles,
# through the firmware's tiling (K chunks of whole groups of four, column
# tiles on a byte of nibbles, shifted feeds), against the reference's dense
# product of the weights they stand for.
foreach(weights sparse int4)
  set(arg ${weights})
  if(weights STREQUAL "sparse")
    set(arg "2:4")
  endif()
  foreach(kind matmul conv2d)
    foreach(seed 1 2)
      kernel_test(kernels.${kind}_${weights}_${seed} EXIT 0 STDOUT "PASS ${kind} int8: [0-9]+ layers"
        ARGS --kind ${kind} --weights ${arg} --seed ${seed} --layers 10)
    endforeach()
    kernel_test(kernels.${kind}_${weights}_tpuv3-like EXIT 0 STDOUT "PASS ${kind} int8"
      ARGS --kind ${kind} --weights ${arg} --config tpuv3-like --seed 3)
    kernel_test(kernels.${kind}_${weights}_single_buffered EXIT 0 STDOUT "PASS ${kind} int8"
      ARGS --kind ${kind} --weights ${arg} --set runtime.double_buffering=false --seed 4)
  endforeach()
  kernel_test(kernels.matmul_${weights}_k_split EXIT 0 STDOUT "PASS matmul int8: 1 layers"
    ARGS --matmul 300,2001,41 --weights ${arg} --set memory.vmem_kib=64 --set memory.amem_kib=16)
endforeach()

# The same ELF on the other presets, and with double buffering off.
foreach(config tpuv1-like tpuv3-like)
  foreach(kind matmul conv2d elementwise)
    kernel_test(kernels.${kind}_${config} EXIT 0 STDOUT "PASS ${kind} int8"
      ARGS --kind ${kind} --dtype int8 --config ${config} --seed 3)
  endforeach()
endforeach()
foreach(kind matmul conv2d pool layernorm)
  kernel_test(kernels.${kind}_single_buffered EXIT 0 STDOUT "PASS ${kind} bf16"
    ARGS --kind ${kind} --dtype bf16 --set runtime.double_buffering=false --seed 4)
endforeach()

# A in place over a few channels (a space-to-depth first layer's 4 x 4 over
# 12 channels) in one band per image, single-buffered: when the band's
# epilogue was a VPU instruction per output row, it outgrew the VPU's ring of
# 64, which then released it without the MATMULs it waits for, built before
# it for the MXU (a deadlock, before a full ring released every queue).
foreach(size 62 115)
  kernel_test(kernels.conv2d_long_epilogue_${size} EXIT 0 STDOUT "PASS conv2d int8: 1 layers"
    ARGS --conv 1,${size},${size},12,64,4,4,1,0 --config tpuv1-like
    --set runtime.double_buffering=false)
endforeach()

# A in place at batch N with images shorter than tpuv1-like's 256 rows: a
# band takes several whole images, computed at the padded height (the lines
# between images are not stored), stride 1 and 2, int8 and bf16, one and two
# buffer sets, a last band of fewer images. Each takes that path (its time
# grows without it: 85.2 -> 92.4 us, 87.4 -> 97.1, 86.1 -> 93.8, 83.6 -> 111.2).
foreach(case "grouped_s1;4,7,7,64,32,3,3,1,1;int8;true" "grouped_s2;5,14,14,32,48,3,3,2,1;int8;false"
             "grouped_bf16;4,7,7,64,32,3,3,1,1;bf16;true" "grouped_wide_bf16;6,5,5,16,300,3,3,1,0;bf16;true")
  list(GET case 0 name)
  list(GET case 1 conv)
  list(GET case 2 dtype)
  list(GET case 3 buffers)
  kernel_test(kernels.conv2d_${name} EXIT 0 STDOUT "PASS conv2d ${dtype}: 1 layers"
    ARGS --conv ${conv} --dtype ${dtype} --config tpuv1-like
    --set runtime.double_buffering=${buffers})
endforeach()

# Pools whose input and output stay in VMEM (--resident: COPY layers bring
# them in and out): a padded one pools its images' interiors in place and
# pads only the border's windows, in strips (pool.c). Seeds 1 and 3 take that
# path in 4 of their 12 int8 pools each, with two and four border regions.
foreach(dtype int8 bf16)
  foreach(seed 1 3)
    kernel_test(kernels.pool_resident_${dtype}_${seed} EXIT 0 STDOUT "PASS pool ${dtype}: 36 layers"
      ARGS --kind pool --dtype ${dtype} --seed ${seed} --layers 12 --resident)
  endforeach()
endforeach()
kernel_test(kernels.pool_resident_single_buffered EXIT 0 STDOUT "PASS pool int8: 36 layers"
  ARGS --kind pool --seed 1 --layers 12 --resident --set runtime.double_buffering=false)

# An array that runs both dataflows (mxu.dataflow auto, docs/mxu.md): the
# firmware asks it to pick per MATMUL; some pick output-stationary (the
# counters say so), and the results stay bit-exact against the host's
# reference, which sums bf16 in weight-stationary's order.
foreach(kind matmul conv2d)
  foreach(dtype int8 bf16)
    kernel_test(kernels.${kind}_dataflow_auto_${dtype} EXIT 0
      STDOUT "matmuls ws [0-9]+ os [1-9].*PASS ${kind} ${dtype}"
      ARGS --kind ${kind} --dtype ${dtype} --seed 1 --set mxu.dataflow=auto)
  endforeach()
endforeach()
# Where output-stationary would be faster with K > R, bf16 stays weight-
# stationary: 16 x 3000 x 1024 summed over the whole K at once would round
# some outputs differently from the reference (it did, before that rule).
kernel_test(kernels.matmul_dataflow_auto_bf16_order EXIT 0
  STDOUT "matmuls ws [1-9][0-9]* os 0[^0-9].*PASS matmul bf16"
  ARGS --matmul 16,3000,1024 --dtype bf16 --set mxu.dataflow=auto)

# Tiles smaller than the layer (docs/firmware.md, "The one tiling routine"): a
# 4 KiB VMEM under a 16 x 16 array splits K into chunks accumulated in AMEM,
# or shrinks row and column tiles below the array's; each of these layers was
# refused (no tiling fits) before K could split. Convolutions gather their
# im2col rows tile by tile across output rows and images here.
foreach(kind matmul conv2d)
  foreach(dtype int8 bf16)
    kernel_test(kernels.${kind}_small_vmem_${dtype} EXIT 0 STDOUT "PASS ${kind} ${dtype}"
      ARGS --kind ${kind} --dtype ${dtype} --seed 1
      --set memory.vmem_kib=4 --set mxu.rows=16 --set mxu.cols=16)
  endforeach()
endforeach()
# A global average pool whose one output row of every channel does not fit
# a 4 KiB VMEM (20 x 20 x 50): pooled in groups of channels, gathered and
# scattered by the DMA (refused before, as EfficientNet-B0's bf16
# squeeze-excitation pools were on edge).
foreach(dtype int8 bf16)
  kernel_test(kernels.pool_channel_groups_${dtype} EXIT 0 STDOUT "PASS pool ${dtype}: 1 layers"
    ARGS --kind pool --global-pool 20,20,50 --dtype ${dtype}
    --set memory.vmem_kib=4 --set mxu.rows=16 --set mxu.cols=16)
endforeach()
kernel_test(kernels.pool_channel_groups_single_buffered EXIT 0 STDOUT "PASS pool bf16: 1 layers"
  ARGS --kind pool --global-pool 20,20,50 --dtype bf16 --set runtime.double_buffering=false
  --set memory.vmem_kib=4 --set mxu.rows=16 --set mxu.cols=16)
# A padded pool input that does not fit half of an 8 KiB window is padded
# band by band as it loads (docs/firmware.md): with no scratch at all, the
# layers that would have gone through scratch (refused before, "needs more
# scratch") run, bit-exact.
foreach(dtype int8 bf16)
  kernel_test(kernels.pool_band_padding_${dtype} EXIT 0 STDOUT "PASS pool ${dtype}: 10 layers"
    ARGS --kind pool --dtype ${dtype} --seed 2 --layers 10 --scratch-mib 0
    --set memory.vmem_kib=8)
endforeach()
kernel_test(kernels.pool_band_padding_single_buffered EXIT 0 STDOUT "PASS pool int8: 10 layers"
  ARGS --kind pool --dtype int8 --seed 3 --layers 10 --scratch-mib 0 --set memory.vmem_kib=8
  --set runtime.double_buffering=false)
kernel_test(kernels.matmul_k_split EXIT 0 STDOUT "PASS matmul int8: 1 layers"
  ARGS --matmul 64,3000,64 --set memory.vmem_kib=256)
kernel_test(kernels.matmul_k_split_single_buffered EXIT 0 STDOUT "PASS matmul int8: 1 layers"
  ARGS --matmul 64,3000,64 --set memory.vmem_kib=256 --set runtime.double_buffering=false)
kernel_test(kernels.matmul_k_split_small_amem EXIT 0 STDOUT "PASS matmul bf16: 1 layers"
  ARGS --matmul 300,2000,40 --dtype bf16 --set memory.vmem_kib=64 --set memory.amem_kib=16)

# Failures in the middle of a model: the host reports the layer and why.
kernel_test(kernels.accelerator_error EXIT 0
  STDOUT "PASS: the run failed in layer 1 \\(exit code 3\\)"
  STDERR "vtpu: layer 1 \\(matmul, node 1\\): accelerator error: DMA refused the copy \\(destination outside memory\\) in the DMA queue"
  ARGS --inject accel)
kernel_test(kernels.operand_spans EXIT 0
  STDOUT "PASS: [0-9]+ layers, every operand's extent"
  ARGS --spans --layers 40 --seed 7)
kernel_test(kernels.operand_outside_image EXIT 0
  STDOUT "PASS: the run failed in layer 1 \\(exit code 2\\)"
  STDERR "vtpu: layer 1 \\(matmul, node 1\\): refused by the firmware: an operand lies outside the model image"
  ARGS --inject outside)
kernel_test(kernels.bad_layer EXIT 0
  STDOUT "PASS: the run failed in layer 1 \\(exit code 2\\)"
  STDERR "vtpu: layer 1 \\(unknown kind, node 1\\): refused by the firmware: unknown kind"
  ARGS --inject bad-layer)
# A layer's dataflow names ws or os (int8 only) or nothing (vtpu/model.h):
# the array's own choice, AUTO, on an int8 layer and ws on a bf16 one are refused.
foreach(dtype int8 bf16)
  kernel_test(kernels.bad_layer_dataflow_${dtype} EXIT 0
    STDOUT "PASS: the run failed in layer 1 \\(exit code 2\\)"
    STDERR "vtpu: layer 1 \\(matmul, node 1\\): refused by the firmware: unknown kind, op, element type, weights format or dataflow"
    ARGS --inject bad-dataflow --dtype ${dtype} --config edge --set mxu.dataflow=auto)
endforeach()

# Overlap (docs/firmware.md, "Overlap"): a 0.5 GMAC int8 matmul whose DMA, MXU
# and VPU work are about equal on tpuv3-like takes <= 0.62x the cycles with
# double buffering on than off (0.605 since HBM3's pseudo-channels share their
# command buses; a kernel without overlap is near 1). Simulated time is deterministic, so this is a
# fact about the kernel's schedule, not a timing test.
string(REPLACE ";" "^^" overlap_command
  "$<TARGET_FILE:kernel_check>;--firmware;${RUNTIME_ELF};--matmul;4096,128,1024;--config;tpuv3-like")
add_test(NAME kernels.overlap_tpuv3
         COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${overlap_command}" -DMAX_RATIO_PERCENT=62
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/kernels/check_overlap.cmake)

# RTL regression stimulus (docs/cosim.md): the int8 matmul kernels' MATMUL
# instructions recorded on edge with an 8x8 array replay on the 8x8 RTL tile
# with the recorded results and cycles.
set(record_8x8 "$<TARGET_FILE:kernel_check> --firmware ${RUNTIME_ELF} --kind matmul --dtype int8 --seed 1 \
    --set mxu.rows=8 --set mxu.cols=8")
add_test(NAME rtl.replay_kernel_matmuls
  COMMAND sh -c "${record_8x8} --set mxu.record=${CMAKE_BINARY_DIR}/matmuls.stim >/dev/null && \
    $<TARGET_FILE:mxu_replay> ${CMAKE_BINARY_DIR}/matmuls.stim")
set_tests_properties(rtl.replay_kernel_matmuls PROPERTIES
  PASS_REGULAR_EXPRESSION "PASS [1-9][0-9]* MATMULs replayed on the 8x8 RTL tile bit-exact and cycle-exact\n  int8: [1-9][0-9]* MATMULs, [1-9][0-9]* cycles\n  bf16: 0 MATMULs, 0 cycles")
# mxu_replay's command line (docs/cosim.md): --help, --from/--count (the
# counts and cycles of a window add up to the whole), a window past the end
# fails (a replay that checked nothing is not a pass), --vcd and --fst (the
# same pins at the same times), bad values.
add_test(NAME rtl.replay_command_line
  COMMAND ${CMAKE_COMMAND} "-DRECORD=${record_8x8}" -DREPLAY=$<TARGET_FILE:mxu_replay>
          -DWAVE_SUMMARY=$<TARGET_FILE:wave_summary> -DOUT_DIR=${CMAKE_BINARY_DIR}/replay_cli -P ${CMAKE_CURRENT_SOURCE_DIR}/kernels/check_replay.cmake)
# The same recording on a tile with PE (0, 0)'s sum bit 3 stuck at 1: caught,
# naming the instruction and the first differing element.
add_test(NAME rtl.replay_catches_a_stuck_bit
  COMMAND sh -c "${record_8x8} --set mxu.record=${CMAKE_BINARY_DIR}/matmuls_fault.stim >/dev/null && \
    ! $<TARGET_FILE:mxu_replay> ${CMAKE_BINARY_DIR}/matmuls_fault.stim --fault-bit 3")
set_tests_properties(rtl.replay_catches_a_stuck_bit PROPERTIES
  PASS_REGULAR_EXPRESSION "FAIL instruction [0-9]+ \\(int8 [0-9]+x[0-9]+x[0-9]+\\): C\\[[0-9]+\\]\\[[0-9]+\\] expected -?[0-9]+, got -?[0-9]+")
