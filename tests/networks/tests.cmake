# End-to-end networks (docs/compiler.md): ONNX models exported from PyTorch with
# random weights at build time (generate.py; nothing large is committed), run
# through `vtpu run` on the edge chip and compared with PyTorch's fp32 output.
# Debian's torch lives in /usr/bin/python3 (a python3 earlier on PATH may lack it).
find_program(VTPU_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
set(NETS ${CMAKE_BINARY_DIR}/networks)
set(NET_DIR ${CMAKE_CURRENT_SOURCE_DIR}/networks)
set(ci_networks mlp lenet transformer resnet18 mobilenetv2 vit mobilenetv3 swin bert gpt2 dense)
set(net_files "")
foreach(net ${ci_networks})
  list(APPEND net_files ${NETS}/${net}.onnx)
endforeach()
add_custom_command(OUTPUT ${net_files}
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/generate.py ${NETS} --only ${ci_networks}
  DEPENDS ${NET_DIR}/generate.py
  COMMENT "Exporting the test networks from PyTorch")
add_custom_command(OUTPUT ${NETS}/digits.onnx
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/digits.py ${NETS}
  DEPENDS ${NET_DIR}/digits.py
  COMMENT "Training the digits classifier")
add_custom_command(OUTPUT ${NETS}/bad/unsupported.onnx ${NETS}/bad/leaky_relu.onnx
                          ${NETS}/bad/gather_outside.onnx ${NETS}/bad/resize_cubic.onnx
                          ${NETS}/bad/pool_all_padding.onnx ${NETS}/bad/crash_conv_rank3.onnx
                          ${NETS}/bad/chip_function_unknown.onnx
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/bad_inputs.py ${NETS}/bad ${NETS}/mlp.onnx
  DEPENDS ${NET_DIR}/bad_inputs.py ${NETS}/mlp.onnx)
# At opset 17: MobileNetV3 again, where PyTorch exports HardSwish as one node
# (at opset 13 it is HardSigmoid and Mul), and the layout and reduction
# operators (`shapes`: LayerNormalization over two axes is one node there) and
# Resize (`upsample`), Einsum (`einsum`), Pow/Expand/Tile (`powers`), SiLU and
# Mish (`activations`), average pooling with uncounted padding (`pools`).
set(opset17_networks mobilenetv3 shapes upsample einsum powers activations pools)
set(opset17_files "")
foreach(net ${opset17_networks})
  list(APPEND opset17_files ${NETS}/opset17/${net}.onnx)
endforeach()
add_custom_command(OUTPUT ${opset17_files}
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/generate.py ${NETS}/opset17 --only ${opset17_networks}
          --opset 17
  DEPENDS ${NET_DIR}/generate.py
  COMMENT "Exporting the opset-17 networks")
# Held weights' wide fully connected layers (check_held.py).
add_custom_command(OUTPUT ${NETS}/widefc.onnx
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/generate.py ${NETS} --only widefc
  DEPENDS ${NET_DIR}/generate.py
  COMMENT "Exporting the wide fully connected network")
# The MLP compiled once in the build: the bad-input and interruption tests
# run it (networks.onnxruntime_mlp writes the same bytes again).
add_custom_command(OUTPUT ${NETS}/mlp.vtpu
  COMMAND vtpu compile ${NETS}/mlp.onnx --calibration ${NETS}/mlp.calib -o ${NETS}/mlp.vtpu >/dev/null
  DEPENDS vtpu ${NETS}/mlp.onnx)
add_custom_target(networks ALL
  DEPENDS ${net_files} ${NETS}/digits.onnx ${NETS}/bad/unsupported.onnx ${opset17_files}
          ${NETS}/mlp.vtpu ${NETS}/widefc.onnx)

# network_test(NAME NET PRECISION MIN_COSINE [ARGS...])
function(network_test name net precision min_cosine)
  string(REPLACE ";" "^^" args
    "${NETS}/${net}.onnx;--precision;${precision};--input;${NETS}/${net}.input.npy;${ARGN}")
  if(precision STREQUAL "int8" OR precision STREQUAL "int4")
    string(APPEND args "^^--calibration^^${NETS}/${net}.calib")
  endif()
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DVTPU=$<TARGET_FILE:vtpu> "-DARGS=${args}"
            -DOUT_DIR=${NETS}/out/${name} -DEXPECTED=${NETS}/${net}.output.npy
            -DPYTHON=${VTPU_PYTHON3} -DCOMPARE=${NET_DIR}/compare.py
            -DMIN_COSINE=${min_cosine} -DNAME=${name}
            -P ${NET_DIR}/check_network.cmake)
endfunction()

foreach(net ${ci_networks})
  network_test(networks.${net}_bf16 ${net} bf16 0.999)
  network_test(networks.${net}_int8 ${net} int8 0.99)
endforeach()
foreach(net ${opset17_networks})
  network_test(networks.${net}_opset17_bf16 opset17/${net} bf16 0.999)
  network_test(networks.${net}_opset17_int8 opset17/${net} int8 0.99)
endforeach()

# On tpuv3-like the input of ResNet's first convolution (7 x 7, stride 2, 3
# channels) is bound in 2 x 2 blocks (space to depth, docs/compiler.md): the
# network through that path, against the host reference and PyTorch; and an
# int8 program compiled for tpuv3-like gives, run on edge, the bytes of one
# compiled for edge (the same integer sums in another order).
network_test(networks.resnet18_int8_tpuv3 resnet18 int8 0.99 --config tpuv3-like)
network_test(networks.resnet18_bf16_tpuv3 resnet18 bf16 0.999 --config tpuv3-like)
# networks.NAME_same_bytes: NET's int8 program compiled for tpuv3-like, run
# on edge, gives the output bytes of the one compiled for edge, and the two
# programs differ (a mapping choice made for the chip).
function(same_bytes_across_chips name net)
  set(out ${NETS}/out/${name})
  add_test(NAME networks.${name}_same_bytes
    COMMAND sh -c "rm -rf ${out} && mkdir -p ${out}/edge ${out}/tpuv3-like && \
      for c in edge tpuv3-like; do $<TARGET_FILE:vtpu> compile ${NETS}/${net}.onnx --calibration ${NETS}/${net}.calib --config $c -o ${out}/$c.vtpu >/dev/null && \
        $<TARGET_FILE:vtpu> run ${out}/$c.vtpu --input ${NETS}/${net}.input.npy --check --output-dir ${out}/$c >/dev/null || exit 1; done && \
      cmp ${out}/edge/output.npy ${out}/tpuv3-like/output.npy && \
      ! cmp -s ${out}/edge.vtpu ${out}/tpuv3-like.vtpu && echo PASS same bytes")
  set_tests_properties(networks.${name}_same_bytes PROPERTIES PASS_REGULAR_EXPRESSION "PASS same bytes")
endfunction()
same_bytes_across_chips(space_to_depth resnet18)

# Depthwise convolutions take more channels per product on larger arrays
# (docs/compiler.md, "Depthwise convolutions"): MobileNetV2 through those
# products on tpuv3-like, against the host reference and PyTorch; and its int8
# program compiled for tpuv3-like gives, run on edge, the bytes of the one
# compiled for edge (more zeros in the same integer sums).
network_test(networks.mobilenetv2_int8_tpuv3 mobilenetv2 int8 0.99 --config tpuv3-like)
network_test(networks.mobilenetv2_bf16_tpuv3 mobilenetv2 bf16 0.999 --config tpuv3-like)
same_bytes_across_chips(depthwise_merge mobilenetv2)

# Compressed weights (docs/compiler.md, "Compression"): int4 weights (w4a8)
# and 2:4 pruning, through the firmware with --check, on edge and on
# tpuv3-like's 128-row array (shifted feeds, K chunks of whole groups).
# Against PyTorch's unpruned fp32 model the cosine says what the compression
# costs (random weights: pruning half of them moves ResNet-18's logits to
# about 0.78); the bit-exact checks are --check and ONNX Runtime below.
foreach(net lenet resnet18 mobilenetv2)
  network_test(networks.${net}_int4 ${net} int4 0.95)
  network_test(networks.${net}_sparse ${net} int8 0.7 --sparsity 2:4)
endforeach()
network_test(networks.resnet18_int4_tpuv3 resnet18 int4 0.95 --config tpuv3-like)
network_test(networks.resnet18_sparse_tpuv3 resnet18 int8 0.7 --sparsity 2:4 --config tpuv3-like)

# --precision auto: per layer the fastest of int8, int4 and 2:4 weights
# within the accuracy budget, never slower than all-int8 (check_auto.py);
# the wide network's two widest layers go int4 (the sanitizer pass's case).
foreach(net resnet18 mobilenetv2 widefc)
  add_test(NAME networks.auto_${net}
    COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_auto.py --vtpu $<TARGET_FILE:vtpu>
            --model ${NETS}/${net}.onnx --calibration ${NETS}/${net}.calib
            --input ${NETS}/${net}.input.npy --expected ${NETS}/${net}.output.npy
            --budget 0.01 --out ${NETS}/out/auto_${net})
  set_tests_properties(networks.auto_${net} PROPERTIES PASS_REGULAR_EXPRESSION "PASS auto")
endforeach()

# --tune: per layer one buffer set or two (and on an array that runs both
# dataflows, ws or os), the faster on the chip, never slower than a uniform
# program (check_tune.py). The wide network takes the tune's buffer and
# dataflow steps in seconds (the sanitizer pass's case); whether it names a
# dataflow turns on a few cycles (os is ahead on its every layer), so only
# ResNet-18 must (on tpuv3-like: on edge the array's own pick is already the
# faster on each of its layers, and the tune names none).
foreach(case resnet18:edge mobilenetv2:edge resnet18:tpuv3-like:auto widefc:edge:auto)
  string(REPLACE ":" ";" case "${case}")
  list(GET case 0 net)
  list(GET case 1 config)
  set(name ${net}_${config})
  set(sets "")
  list(LENGTH case fields)
  if(fields GREATER 2)
    set(name ${name}_dataflow_auto)
    set(sets --set mxu.dataflow=auto)
    if(net STREQUAL "widefc")
      list(APPEND sets --may-name-none)
    endif()
  endif()
  add_test(NAME networks.tune_${name}
    COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_tune.py --vtpu $<TARGET_FILE:vtpu>
            --model ${NETS}/${net}.onnx --config ${config} --out ${NETS}/out/tune_${name} ${sets})
  set_tests_properties(networks.tune_${name} PROPERTIES PASS_REGULAR_EXPRESSION "PASS tune")
endforeach()
# Held weights (docs/runtime.md): on tpuv1-like, whose DDR3 the layers with the most
# weights wait for, ResNet-18 (convolutions) and the GPT-2-shaped block (matmuls) hold
# those layers' weights: outputs byte-identical without, in fewer cycles; a corrupt
# held piece refused (check_held.py). With 4 MiB of VMEM the wide network's 4096-deep
# layer is held and its K split (two of its column tiles no longer fit the tile window).
foreach(case "resnet18" "gpt2" "widefc|--set=memory.vmem_kib=4096")
  string(REPLACE "|" ";" sets "${case}")
  list(POP_FRONT sets net)
  add_test(NAME networks.held_weights_${net}_tpuv1
    COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_held.py --vtpu $<TARGET_FILE:vtpu>
            --model ${NETS}/${net}.onnx --config tpuv1-like --out ${NETS}/out/held_${net} ${sets})
  set_tests_properties(networks.held_weights_${net}_tpuv1 PROPERTIES
    PASS_REGULAR_EXPRESSION "PASS held")
endforeach()
add_test(NAME networks.tune_refused_for_an_executable
  COMMAND ${CMAKE_COMMAND} -E env sh -c
    "$<TARGET_FILE:vtpu> compile ${NETS}/mlp.onnx -o ${NETS}/out/mlp_tune.vtpu >/dev/null &&      $<TARGET_FILE:vtpu> run ${NETS}/out/mlp_tune.vtpu --tune --input ${NETS}/mlp.input.npy 2>&1; test $? -eq 2")
set_tests_properties(networks.tune_refused_for_an_executable PROPERTIES
  PASS_REGULAR_EXPRESSION "--tune compiles ONNX models; a .vtpu keeps its choices")

# The chip it simulates its candidates on is the one --set names.
add_test(NAME networks.auto_lenet_set
  COMMAND $<TARGET_FILE:vtpu> compile ${NETS}/lenet.onnx --calibration ${NETS}/lenet.calib
          --precision auto --explain --set mxu.rows=16 --set mxu.cols=16 -o ${NETS}/out/auto_lenet_set.vtpu)
set_tests_properties(networks.auto_lenet_set PROPERTIES PASS_REGULAR_EXPRESSION
  "simulated cycles: all-int8 [0-9]+, chosen [0-9]+")

# A 256 x 256 array on the edge chip (2 MiB VMEM, 256 KiB AMEM): its array-sized
# tiles do not fit, so the tiling shrinks them and splits K (refused before).
network_test(networks.resnet18_int8_256x256_edge resnet18 int8 0.99
  --set mxu.rows=256 --set mxu.cols=256)
network_test(networks.resnet18_bf16_256x256_edge resnet18 bf16 0.999
  --set mxu.rows=256 --set mxu.cols=256)

# The digits classifier: int8 on the chip within one point of fp32's accuracy.
add_test(NAME networks.digits_int8_accuracy
  COMMAND ${CMAKE_COMMAND} -DVTPU=$<TARGET_FILE:vtpu> -DNETS=${NETS}
          -DOUT_DIR=${NETS}/out/digits -DPYTHON=${VTPU_PYTHON3} -DSCRIPT=${NET_DIR}/digits.py
          -P ${NET_DIR}/check_digits.cmake)

# --batch N: a batch on the chip gives each image exactly its batch-1 output,
# in fewer cycles than the images one by one (check_batch.py).
foreach(case "lenet;int8;3" "resnet18;int8;2" "mobilenetv2;bf16;2")
  list(GET case 0 net)
  list(GET case 1 precision)
  list(GET case 2 batch)
  add_test(NAME networks.batch_${net}_${precision}
    COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_batch.py $<TARGET_FILE:vtpu> ${NETS} ${net}
            ${precision} ${batch} ${NETS}/out/batch_${net}_${precision})
  set_tests_properties(networks.batch_${net}_${precision} PROPERTIES
    PASS_REGULAR_EXPRESSION "PASS ${net} ${precision}: batch of ${batch} identical")
endforeach()
# A residual Add fused into its convolution's epilogue gives the bytes of the
# Add on its own (check_fusion.py runs the network again with the products'
# outputs made graph outputs, which keeps every Add a layer of its own).
foreach(case "resnet18;int8" "resnet18;bf16" "mobilenetv2;int8")
  list(GET case 0 net)
  list(GET case 1 precision)
  set(calibration "")
  if(precision STREQUAL "int8")
    set(calibration --calibration ${NETS}/${net}.calib)
  endif()
  add_test(NAME networks.fused_residual_${net}_${precision}
    COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_fusion.py --vtpu $<TARGET_FILE:vtpu>
            --model ${NETS}/${net}.onnx --input ${NETS}/${net}.input.npy
            --precision ${precision} ${calibration})
  set_tests_properties(networks.fused_residual_${net}_${precision} PROPERTIES
    PASS_REGULAR_EXPRESSION "outputs equal")
endforeach()
# Bad batches: a clear one-line error, exit 2.
foreach(case "0;expected 1 to 65536" "-3;expected 1 to 65536" "70000;expected 1 to 65536")
  list(GET case 0 n)
  list(GET case 1 message)
  add_test(NAME networks.batch_refused_${n}
    COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:vtpu>^^compile^^${NETS}/lenet.onnx^^--batch^^${n}^^-o^^${NETS}/out/never.vtpu"
            -DEXPECT_EXIT=2 "-DEXPECT_STDERR=--batch ${n}: ${message}"
            -P ${CMAKE_SOURCE_DIR}/tests/check_run.cmake)
endforeach()
add_test(NAME networks.batch_refused_for_an_executable
  COMMAND ${CMAKE_COMMAND} -E env sh -c
    "$<TARGET_FILE:vtpu> compile ${NETS}/mlp.onnx --precision bf16 -o ${NETS}/out/mlp_batch.vtpu >/dev/null &&      $<TARGET_FILE:vtpu> run ${NETS}/out/mlp_batch.vtpu --batch 2 --input ${NETS}/mlp.input.npy 2>&1; test $? -eq 2")
set_tests_properties(networks.batch_refused_for_an_executable PROPERTIES
  PASS_REGULAR_EXPRESSION "--batch re-exports ONNX models; a .vtpu keeps its batch")

# Resident activations (docs/runtime.md) change where tensors live, not a value:
# the same outputs byte for byte with runtime.resident_activations off, and
# with VMEM and AMEM moved in the address map (the kernels take their bases
# from chip info).
foreach(case "resnet18;int8" "mobilenetv2;bf16" "transformer;int8")
  list(GET case 0 net)
  list(GET case 1 precision)
  set(run "$<TARGET_FILE:vtpu> run ${NETS}/${net}.onnx --precision ${precision} --calibration ${NETS}/${net}.calib --input ${NETS}/${net}.input.npy")
  set(out ${NETS}/out/resident_${net}_${precision})
  add_test(NAME networks.resident_${net}_${precision}_changes_no_value
    COMMAND sh -c "rm -rf ${out} && mkdir -p ${out}/on ${out}/off ${out}/moved &&       ${run} --output-dir ${out}/on >/dev/null &&       ${run} --output-dir ${out}/off --set runtime.resident_activations=false >/dev/null &&       ${run} --output-dir ${out}/moved --set address_map.vmem_base=0x40000000 --set address_map.amem_base=0x48000000 >/dev/null &&       cmp ${out}/on/output.npy ${out}/off/output.npy && cmp ${out}/on/output.npy ${out}/moved/output.npy && echo identical")
  set_tests_properties(networks.resident_${net}_${precision}_changes_no_value PROPERTIES
    PASS_REGULAR_EXPRESSION "identical")
endforeach()

# Compile once, run the executable.
add_test(NAME networks.compile_then_run
  COMMAND ${CMAKE_COMMAND} -E env sh -c
    "$<TARGET_FILE:vtpu> compile ${NETS}/lenet.onnx --precision int8 --calibration ${NETS}/lenet.calib -o ${NETS}/lenet.vtpu && \
     rm -rf ${NETS}/out/exe && mkdir -p ${NETS}/out/exe && \
     $<TARGET_FILE:vtpu> run ${NETS}/lenet.vtpu --input input=${NETS}/lenet.input.npy --output-dir ${NETS}/out/exe && \
     ${VTPU_PYTHON3} ${NET_DIR}/compare.py ${NETS}/lenet.output.npy ${NETS}/out/exe/output.npy --min-cosine 0.99 --name lenet.vtpu")

# bad_input_test(NAME EXIT STDERR ARGS...): `vtpu ARGS` fails cleanly.
function(bad_input_test name exit stderr)
  string(REPLACE ";" "^^" command "$<TARGET_FILE:vtpu>;${ARGN}")
  add_test(NAME networks.bad_${name}
    COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${command}" -DEXIT=${exit} "-DSTDERR=${stderr}"
            -DOUT_DIR=${NETS}/out/bad_${name} -P ${NET_DIR}/check_bad.cmake)
endfunction()
bad_input_test(truncated_onnx 2 "truncated.onnx: not an ONNX model"
  run ${NETS}/bad/truncated.onnx --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_truncated_onnx)
bad_input_test(garbage_onnx 2 "garbage.onnx: not an ONNX model"
  run ${NETS}/bad/garbage.onnx --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_garbage_onnx)
# Issue 19's crashes and hangs, each a one-line error now (bf16: the int8 path's
# calibration caught some of them before the compiler divided by them).
foreach(case
    "conv_rank3|node 'Conv_0' \\(Conv\\): weights \\[4,1,3,3\\] do not fit input \\[1,28,28\\]"
    "conv_rank3_shape|node 'Conv_0' \\(Conv\\): weights \\[8,3,3,3\\] do not fit input \\[1,3,24\\]"
    "conv_stride0|node 'Conv_0' \\(Conv\\): attribute strides holds 0"
    "maxpool_stride0|node 'MaxPool_0' \\(MaxPool\\): attribute strides holds 0"
    "conv_pads3|node 'Conv_0' \\(Conv\\): attribute pads holds 3 values where its kernel of 2 axes needs 4"
    "avgpool_pads6|node 'AveragePool_0' \\(AveragePool\\): attribute pads holds 6 values where its kernel of 2 axes needs 4"
    "reduce_keepdims17|node 'ReduceMean_0' \\(ReduceMean\\): attribute keepdims is 17 \\(must be 0 or 1\\)"
    "conv_group0|node 'Conv_0' \\(Conv\\): attribute group is 0"
    "conv_group256|node 'Conv_0' \\(Conv\\): weights \\[6,1,5,5\\] do not fit input \\[1,1,28,28\\] with group 256"
    "conv_zero_outputs|node 'Conv_0' \\(Conv\\): weights 'w' have a dimension of 0"
    "empty_slice|node 'Slice_0' \\(Slice\\): output 't' of shape \\[1,0\\] is empty \\(vtpu runs no empty tensors\\)"
    "zero_dim|input 'x' has shape \\[1,0,4\\]: dimensions must be at least 1"
    "zero_batch|input 'x' has shape \\[0,16\\]: dimensions must be at least 1"
    "crop_experimental|node 'Crop_0' \\(Crop\\): not an operator of ONNX opset 13 \\(an experimental or unknown one\\)"
    "rank40|input 'x' has 40 axes: more than vtpu's limit of 32"
    "count_overflow|input 'x' has shape \\[1048576,1048576,1048576,1048576\\]: more than vtpu's limit of 2\\^28 elements"
    "huge_input|input 'x' has shape \\[1,1000000000\\]: a dimension above vtpu's limit of 2\\^24"
    "expand_huge|tensor 'y' \\(output of node 'Expand_0'\\) has shape \\[40000,40000\\]: more than"
    "range_huge|tensor 'r' \\(output of node 'Range_0'\\) has shape \\[3000000000\\]")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 name)
  list(GET case 1 message)
  foreach(precision int8 bf16)
    bad_input_test(crash_${name}_${precision} 2 "crash_${name}.onnx: ${message}"
      compile ${NETS}/bad/crash_${name}.onnx --precision ${precision}
      -o ${NETS}/out/bad_crash_${name}_${precision}/m.vtpu)
  endforeach()
endforeach()
# Compression options (docs/compiler.md, "Compression", "Mixed precision").
foreach(case
    "sparsity_3_4|--sparsity: expected 2:4 or dense, got '3:4'|--sparsity;3:4"
    "sparsity_bf16|--sparsity 2:4: needs --precision int8|--sparsity;2:4;--precision;bf16"
    "sparsity_int4|--sparsity 2:4: not with --precision int4|--sparsity;2:4;--precision;int4"
    "sparsity_skip_alone|--sparsity-skip: only with --sparsity 2:4|--sparsity-skip;/fc"
    "sparsity_skip_unknown|--sparsity-skip: no Conv, Gemm or MatMul with constant weights is named 'nope'|--sparsity;2:4;--sparsity-skip;nope"
    "precision_int2|--precision: expected int8, bf16, int4 or auto, got 'int2'|--precision;int2"
    "auto_budget|--accuracy-budget: expected a cosine loss from 0 to 2, got -0.5|--precision;auto;--accuracy-budget;-0.5"
    "auto_sparsity|--sparsity: not with --precision auto|--precision;auto;--sparsity;2:4"
    "tune_auto|--tune: not with --precision auto|--precision;auto;--tune"
    "budget_not_auto|--accuracy-budget: only with --precision auto|--accuracy-budget;0.5"
    "explain_alone|--explain: only with --precision auto or --tune|--explain")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 name)
  list(GET case 1 message)
  list(SUBLIST case 2 -1 flags)
  string(REPLACE "+" ";" flags "${flags}")
  bad_input_test(${name} 2 "${message}"
    compile ${NETS}/lenet.onnx ${flags} -o ${NETS}/out/bad_${name}/m.vtpu)
endforeach()
# Options that choose a compilation, given with a .vtpu: refused, not ignored.
foreach(flags "--precision;bf16" "--precision;int8" "--sparsity;2:4" "--sparsity-skip;fc"
    "--calibration;${NETS}/mlp.calib" "--accuracy-budget;0.5" "--explain")
  list(GET flags 0 option)
  list(LENGTH flags count)
  set(value "")
  if(count GREATER 1 AND NOT option STREQUAL "--calibration")
    list(GET flags 1 value)
  endif()
  string(MAKE_C_IDENTIFIER "vtpu${option}_${value}" name)
  bad_input_test(${name} 2 "${option}: compiles ONNX models; a .vtpu keeps what it was compiled with"
    run ${NETS}/mlp.vtpu ${flags} --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_${name})
endforeach()
# An empty file name or value: refused, not taken for "none".
add_test(NAME networks.bad_empty_option_values
  COMMAND sh -c "for o in --sparsity --sparsity-skip --calibration --report --trace --output-dir; do \
      $<TARGET_FILE:vtpu> run ${NETS}/mlp.onnx --input random:0 $o '' 2> ${NETS}/out/empty_value.err; \
      s=$?; grep -qx -- \"vtpu: $o: empty\" ${NETS}/out/empty_value.err && test $s -eq 2 && \
      test $(wc -l < ${NETS}/out/empty_value.err) -eq 1 || { echo FAIL $o; cat ${NETS}/out/empty_value.err; exit 1; }; \
    done; echo PASS empty values")
set_tests_properties(networks.bad_empty_option_values PROPERTIES PASS_REGULAR_EXPRESSION "PASS empty values")
bad_input_test(unsupported_op 2 "node '[^']*' \\(CumSum\\): operator CumSum is not supported"
  run ${NETS}/bad/unsupported.onnx --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_unsupported_op)
bad_input_test(unsupported_op_nearest_form 2
  "\\(LeakyRelu\\): operator LeakyRelu is not supported by vtpu's compiler; the nearest supported form: Max\\(x, alpha \\* x\\)"
  compile ${NETS}/bad/leaky_relu.onnx -o ${NETS}/out/bad_unsupported_op_nearest_form/m.vtpu)
bad_input_test(gather_outside 2 "\\(Gather\\): index 9 is outside axis 1 of size 8"
  compile ${NETS}/bad/gather_outside.onnx --precision bf16 -o ${NETS}/out/bad_gather_outside/m.vtpu)
bad_input_test(pool_all_padding 2
  "node '[^']*' \\(AveragePool\\): a window would lie wholly in padding the average does not count"
  compile ${NETS}/bad/pool_all_padding.onnx --precision bf16 -o ${NETS}/out/bad_pool_all_padding/m.vtpu)
bad_input_test(chip_function_unknown 2
  "node '[^']*' \\(ai.vtpu:Cosine\\): not a function vtpu's QDQ export writes"
  compile ${NETS}/bad/chip_function_unknown.onnx -o ${NETS}/out/bad_chip_function_unknown/m.vtpu)
bad_input_test(resize_cubic 2 "\\(Resize\\): mode 'cubic' \\(vtpu resizes nearest or linear"
  compile ${NETS}/bad/resize_cubic.onnx --precision bf16 -o ${NETS}/out/bad_resize_cubic/m.vtpu)
bad_input_test(wrong_shape 2 "input_wrong_shape.npy: input 'input' has shape \\[1,783\\]; the model expects \\[1,784\\]"
  run ${NETS}/mlp.onnx --input ${NETS}/bad/input_wrong_shape.npy --output-dir ${NETS}/out/bad_wrong_shape)
bad_input_test(wrong_dtype 2 "input_int64.npy: input 'input' must be float32, the file holds int64"
  run ${NETS}/mlp.onnx --input ${NETS}/bad/input_int64.npy --output-dir ${NETS}/out/bad_wrong_dtype)
bad_input_test(missing_input 2 "missing input 'input' \\[1,784\\]"
  run ${NETS}/mlp.onnx --output-dir ${NETS}/out/bad_missing_input)
bad_input_test(extra_input 2 "--input extra=.*: the model has no input 'extra'"
  run ${NETS}/mlp.onnx --input input=${NETS}/mlp.input.npy --input extra=${NETS}/mlp.input.npy
  --output-dir ${NETS}/out/bad_extra_input)
bad_input_test(random_seed 2 "--input random:x: expected random or random:SEED"
  run ${NETS}/mlp.onnx --input random:x --output-dir ${NETS}/out/bad_random_seed)
# A byte of a .vtpu flipped (a weight, an offset, a name): its SHA-256 no
# longer matches, and the file is refused whole.
add_test(NAME networks.bad_vtpu_damaged
  COMMAND sh -c "D=${NETS}/out/bad_vtpu_damaged && rm -rf $D && mkdir -p $D && \
    ${VTPU_PYTHON3} -c 'import sys; d = bytearray(open(sys.argv[1], \"rb\").read()); d[len(d) // 2] ^= 1; open(sys.argv[2], \"wb\").write(d)' ${NETS}/mlp.vtpu $D/m.vtpu && \
    ! $<TARGET_FILE:vtpu> run $D/m.vtpu --input ${NETS}/mlp.input.npy --output-dir $D 2> $D/err && \
    grep -q '^vtpu: .*/m.vtpu: damaged: its bytes do not match the SHA-256 it ends with$' $D/err && \
    ! test -e $D/output.npy && echo PASS refused")
set_tests_properties(networks.bad_vtpu_damaged PROPERTIES PASS_REGULAR_EXPRESSION "PASS refused")
# Two outputs given one file: refused (the later write would win).
bad_input_test(report_is_trace 2 "--trace [^\n]*report_is_trace.json: is --report's file too"
  run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --report ${NETS}/out/report_is_trace.json
  --trace ${NETS}/out/report_is_trace.json --output-dir ${NETS}/out/bad_report_is_trace)
bad_input_test(output_dir_file 2 "mlp.onnx: --output-dir is not a directory and cannot be made"
  run ${NETS}/mlp.onnx --input random --output-dir ${NETS}/mlp.onnx)
# --output-dir is made when missing; --input random[:SEED] draws every input
# from N(0, 1) by the seed: the same seed gives the same outputs, another
# seed others (docs/cli.md).
set(rnd ${NETS}/out/random_input)
add_test(NAME networks.random_input_and_new_output_dir
  COMMAND sh -c "rm -rf ${rnd} && \
    for d in a b; do $<TARGET_FILE:vtpu> run ${NETS}/mlp.onnx --input random:7 --check --output-dir ${rnd}/$d/new >/dev/null || exit 1; done && \
    $<TARGET_FILE:vtpu> run ${NETS}/mlp.onnx --input random:8 --output-dir ${rnd}/c >/dev/null && \
    cmp ${rnd}/a/new/output.npy ${rnd}/b/new/output.npy && ! cmp -s ${rnd}/a/new/output.npy ${rnd}/c/output.npy && \
    echo PASS seeded inputs")
set_tests_properties(networks.random_input_and_new_output_dir PROPERTIES
  PASS_REGULAR_EXPRESSION "PASS seeded inputs")
bad_input_test(missing_npy 2 "nope.npy: cannot open"
  run ${NETS}/mlp.onnx --input ${NETS}/nope.npy --output-dir ${NETS}/out/bad_missing_npy)
# A .vtpu of another format version: compile, then bump the version field.
add_test(NAME networks.bad_vtpu_version
  COMMAND sh -c "$<TARGET_FILE:vtpu> compile ${NETS}/mlp.onnx --precision bf16 -o ${NETS}/v2.vtpu >/dev/null && \
    ${VTPU_PYTHON3} -c \"import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); assert b[0:2]==b'\\\\x08\\\\x03'; b[1]=4; open(p,'wb').write(b)\" ${NETS}/v2.vtpu && \
    rm -rf ${NETS}/out/bad_vtpu && mkdir -p ${NETS}/out/bad_vtpu && \
    ! $<TARGET_FILE:vtpu> run ${NETS}/v2.vtpu --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_vtpu 2> ${NETS}/out/bad_vtpu.err && \
    grep -q 'v2.vtpu: executable format version 4; this vtpu reads version 3' ${NETS}/out/bad_vtpu.err && \
    [ -z \"$(ls ${NETS}/out/bad_vtpu)\" ]")

# int8 numerics against ONNX Runtime (npm onnxruntime-node, installed by
# scripts/setup.sh into build/npm; another build, e.g. the sanitizer build,
# points VTPU_ORT_MODULES there): our --emit-qdq model run by ORT gives the
# same int8 outputs (>= 99.9 % identical, none more than 1 LSB apart).
find_program(VTPU_NODE node)
set(VTPU_ORT_MODULES ${CMAKE_BINARY_DIR}/npm/node_modules CACHE PATH
    "node_modules holding onnxruntime-node (the int8 reference)")
set(ORT_MODULES ${VTPU_ORT_MODULES})
set(ort_networks ${ci_networks})
foreach(net ${opset17_networks})
  list(APPEND ort_networks opset17/${net})
endforeach()
if(VTPU_NODE AND EXISTS ${ORT_MODULES}/onnxruntime-node)
  foreach(net ${ort_networks})
    string(REPLACE "/" "_" id ${net})
    add_test(NAME networks.onnxruntime_${id}
      COMMAND sh -c "$<TARGET_FILE:vtpu> compile ${NETS}/${net}.onnx --calibration ${NETS}/${net}.calib --emit-qdq ${NETS}/${net}.qdq.onnx -o ${NETS}/${net}.vtpu >/dev/null && \
        rm -rf ${NETS}/out/ort_${id} && mkdir -p ${NETS}/out/ort_${id} && \
        $<TARGET_FILE:vtpu> run ${NETS}/${net}.vtpu --input ${NETS}/${net}.input.npy --output-dir ${NETS}/out/ort_${id} >/dev/null && \
        NODE_PATH=${ORT_MODULES} ${VTPU_NODE} ${NET_DIR}/ort_compare.js ${NETS}/${net}.qdq.onnx ${NETS}/${net}.input.npy ${NETS}/out/ort_${id}/output.npy --min-identical 0.999 --max-lsb 1")
  endforeach()
  # The compressed programs' QDQ exports (the pruned weights; int4 scales,
  # max|w| / 7) run by ONNX Runtime: the chip's int8 outputs, bit for bit.
  foreach(net lenet resnet18 mobilenetv2)
    foreach(mode int4 sparse)
      set(flags "--precision int4")
      if(mode STREQUAL "sparse")
        set(flags "--sparsity 2:4")
      endif()
      set(o ${NETS}/out/ort_${mode}_${net})
      add_test(NAME networks.onnxruntime_${mode}_${net}
        COMMAND sh -c "rm -rf ${o} && mkdir -p ${o} && \
          $<TARGET_FILE:vtpu> compile ${NETS}/${net}.onnx --calibration ${NETS}/${net}.calib ${flags} --emit-qdq ${o}/qdq.onnx -o ${o}/net.vtpu >/dev/null && \
          $<TARGET_FILE:vtpu> run ${o}/net.vtpu --input ${NETS}/${net}.input.npy --output-dir ${o} >/dev/null && \
          NODE_PATH=${ORT_MODULES} ${VTPU_NODE} ${NET_DIR}/ort_compare.js ${o}/qdq.onnx ${NETS}/${net}.input.npy ${o}/output.npy --min-identical 0.999 --max-lsb 1")
    endforeach()
  endforeach()
else()
  message(STATUS "onnxruntime-node not in ${ORT_MODULES}: the ONNX Runtime comparisons are skipped")
endif()

# Models that arrive quantized: our own QDQ export read back (QuantizeLinear /
# DequantizeLinear on activations become hints, DequantizeLinear of weights
# folds, the chip's float functions become their ONNX operators again: GELU
# in both forms, LayerNorm and Softmax in the transformers, Sigmoid and Mish
# in `activations`) runs int8 with the model's parameters.
foreach(net lenet transformer gpt2 opset17/activations)
  string(REPLACE "/" "_" id ${net})
  add_test(NAME networks.prequantized_${id}
    COMMAND sh -c "$<TARGET_FILE:vtpu> compile ${NETS}/${net}.onnx --calibration ${NETS}/${net}.calib --emit-qdq ${NETS}/${net}.rt.qdq.onnx -o ${NETS}/${net}.rt.vtpu >/dev/null && \
      rm -rf ${NETS}/out/rt_${id} && mkdir -p ${NETS}/out/rt_${id} && \
      $<TARGET_FILE:vtpu> run ${NETS}/${net}.rt.qdq.onnx --precision int8 --input ${NETS}/${net}.input.npy --output-dir ${NETS}/out/rt_${id} >/dev/null && \
      ${VTPU_PYTHON3} ${NET_DIR}/compare.py ${NETS}/${net}.output.npy ${NETS}/out/rt_${id}/output_int8.npy --min-cosine 0.99 --name prequantized_${id}")
endforeach()

# A traced int8 ResNet-18 run (docs/observability.md): the timeline parses,
# DMA and MXU slices overlap, the layer slices add up to the report's cycles,
# and weights load while the layer before runs (10 of its 21 weighted layers
# on edge when written; 5 required).
add_test(NAME networks.trace_resnet18
  COMMAND sh -c "rm -rf ${NETS}/out/trace && mkdir -p ${NETS}/out/trace && \
    $<TARGET_FILE:vtpu> run ${NETS}/resnet18.onnx --calibration ${NETS}/resnet18.calib --input ${NETS}/resnet18.input.npy \
      --report ${NETS}/out/trace/report.json --trace ${NETS}/out/trace/trace.json >/dev/null && \
    ${VTPU_PYTHON3} ${NET_DIR}/check_trace.py ${NETS}/out/trace/trace.json ${NETS}/out/trace/report.json --clock-mhz 1000 --min-prefetched 5")

# The report's utilization, bandwidth, roofline and energy against the
# formulas worked out by hand for LeNet's layers on the edge chip.
add_test(NAME networks.report_figures_lenet
  COMMAND sh -c "$<TARGET_FILE:vtpu> run ${NETS}/lenet.onnx --calibration ${NETS}/lenet.calib --input ${NETS}/lenet.input.npy \
      --report ${NETS}/out/lenet_report.json >/dev/null && \
    ${VTPU_PYTHON3} ${NET_DIR}/check_report.py ${NETS}/out/lenet_report.json")

# Reports, the timeline, the transaction trace and the MXU stimulus describe
# their run (version, model hash, config with its overrides, DRAM price per
# technology); refused and failed runs still write their report with the status.
add_test(NAME networks.report_header_and_status
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_run_header.py $<TARGET_FILE:vtpu> ${PROJECT_SOURCE_DIR}
    ${NETS}/lenet.onnx ${NETS}/out/run_header)
set_tests_properties(networks.report_header_and_status PROPERTIES
  PASS_REGULAR_EXPRESSION "PASS run headers")

# `vtpu sweep`: 24 points killed part-way and resumed, the CSVs against the
# reports, --collect, a failing network recorded, bad specs refused.
add_test(NAME networks.sweep_resume_and_tables
  COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_sweep.py $<TARGET_FILE:vtpu> ${NETS}/lenet.onnx
    ${NETS}/mlp.onnx ${NETS}/out/sweep)
set_tests_properties(networks.sweep_resume_and_tables PROPERTIES
  PASS_REGULAR_EXPRESSION "PASS sweep")

# Injected faults (docs/faults.md): corrected DRAM errors change nothing but
# their count; an uncorrectable one stops the run naming the layer, seeded; a
# stuck unit ends the run at once, naming its queue, instruction and layer; an
# aborted DMA copy stops the run like an uncorrectable error.
foreach(mode corrected uncorrected abort stuck watchdog upsets)
  add_test(NAME networks.fault_${mode}
    COMMAND ${VTPU_PYTHON3} ${NET_DIR}/check_faults.py $<TARGET_FILE:vtpu> ${NETS}/lenet.onnx
      ${NETS}/lenet.input.npy ${NETS}/out/fault_${mode} ${mode})
  set_tests_properties(networks.fault_${mode} PROPERTIES PASS_REGULAR_EXPRESSION "PASS")
endforeach()

# The transaction trace: every DMA byte to and from HBM accounted for.
add_test(NAME networks.transactions_lenet
  COMMAND sh -c "$<TARGET_FILE:vtpu> run ${NETS}/lenet.onnx --calibration ${NETS}/lenet.calib --input ${NETS}/lenet.input.npy \
      --report ${NETS}/out/lenet_tx.json --transactions ${NETS}/out/lenet.trace >/dev/null && \
    ${VTPU_PYTHON3} ${NET_DIR}/check_transactions.py $<TARGET_FILE:vtpu> ${NETS}/out/lenet.trace ${NETS}/out/lenet_tx.json")
# Queries that would select nothing in silence are refused (after the trace above).
add_test(NAME networks.bad_trace_queries
  COMMAND sh -c "T=${NETS}/out/lenet.trace && E=${NETS}/out/bad_trace_queries.err && \
    for q in '--initiator nosuch' '--target nosuch' '--from 100 --to 10' '--limit -1'; do \
      $<TARGET_FILE:vtpu> trace $T $q > /dev/null 2> $E; s=$?; \
      test $s -eq 2 && test $(wc -l < $E) -eq 1 && grep -q '^vtpu: --' $E || { echo FAIL $q; cat $E; exit 1; }; \
    done && $<TARGET_FILE:vtpu> trace $T --initiator dma --limit 1 > /dev/null && echo PASS queries")
set_tests_properties(networks.bad_trace_queries PROPERTIES PASS_REGULAR_EXPRESSION "PASS queries"
  DEPENDS networks.transactions_lenet)
add_test(NAME networks.bad_trace_file
  COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:vtpu>^^trace^^${NETS}/mlp.input.npy" -DEXIT=2
          "-DSTDERR=mlp.input.npy: not a vtpu transaction trace" -DOUT_DIR=${NETS}/out/bad_trace
          -P ${NET_DIR}/check_bad.cmake)

# Waveforms: the interrupt lines, unit busy flags and queue depths, with the
# DMA and MXU busy flags toggling during a run.
add_test(NAME networks.vcd_lenet
  COMMAND sh -c "$<TARGET_FILE:vtpu> run ${NETS}/lenet.onnx --input ${NETS}/lenet.input.npy --vcd ${NETS}/out/lenet.vcd >/dev/null && \
    ${VTPU_PYTHON3} ${NET_DIR}/check_vcd.py ${NETS}/out/lenet.vcd")

# The report on the presets whose HBM channel count comes from the preset
# (hbm.channels 0): the roofline reads it as the HBM model does.
foreach(config tpuv1-like tpuv3-like)
  add_test(NAME networks.report_${config}
    COMMAND sh -c "$<TARGET_FILE:vtpu> run ${NETS}/mlp.onnx --config ${config} --input ${NETS}/mlp.input.npy \
        --report ${NETS}/out/mlp_${config}.json >/dev/null && grep -q peak_hbm_bytes_per_cycle ${NETS}/out/mlp_${config}.json")
endforeach()

# RTL co-simulation at system level (docs/cosim.md): MLP and LeNet, int8 and
# bf16, through the firmware on 8x8, 16x16 and 32x32 (edge's) arrays with the
# MXU as the Verilated tile (rtl) and as both, compared per instruction
# (lockstep): outputs and cycles identical to the TLM model's.
# `sparse` is int8 with --sparsity 2:4: the tile's 2:4 mode.
foreach(net mlp lenet)
  foreach(precision int8 bf16 sparse)
    set(calibration "")
    set(flags ";--precision;${precision}")
    if(NOT precision STREQUAL "bf16")
      set(calibration ";--calibration;${NETS}/${net}.calib")
    endif()
    if(precision STREQUAL "sparse")
      set(flags ";--sparsity;2:4")
    endif()
    foreach(size 8 16 32)
      string(REPLACE ";" "^^" args
        "${NETS}/${net}.onnx${flags}${calibration};--input;${NETS}/${net}.input.npy;--set;mxu.rows=${size};--set;mxu.cols=${size}")
      set(name cosim_${net}_${precision}_${size}x${size})
      add_test(NAME networks.${name}
        COMMAND ${CMAKE_COMMAND} -DVTPU=$<TARGET_FILE:vtpu> "-DARGS=${args}"
                -DWAVE_SUMMARY=$<TARGET_FILE:wave_summary> -DOUT_DIR=${NETS}/out/${name}
                -P ${NET_DIR}/check_backends.cmake)
    endforeach()
  endforeach()
endforeach()
# A bf16 recording (LeNet on edge's 32x32 array) replays on the bf16 tile,
# bit for bit and cycle for cycle (docs/cosim.md, "Recording and replay").
add_test(NAME networks.replay_lenet_bf16
  COMMAND sh -c "$<TARGET_FILE:vtpu> run ${NETS}/lenet.onnx --precision bf16 \
    --input ${NETS}/lenet.input.npy --set mxu.record=${NETS}/out/lenet_bf16.stim \
    --output-dir ${NETS}/out/replay_lenet_bf16 >/dev/null && \
    $<TARGET_FILE:mxu_replay> ${NETS}/out/lenet_bf16.stim")
set_tests_properties(networks.replay_lenet_bf16 PROPERTIES
  PASS_REGULAR_EXPRESSION "PASS [1-9][0-9]* MATMULs replayed on the 32x32 RTL tile bit-exact and cycle-exact\n  int8: 0 MATMULs, 0 cycles\n  bf16: [1-9][0-9]* MATMULs")

# A stuck bit in one PE of LeNet's 8x8 RTL tile, run with `mxu.backend` BACKEND
# and ARGS: exit EXIT, stderr matching STDERR, no outputs.
function(stuck_bit_test name backend args exit stderr)
  add_test(NAME networks.${name}
    COMMAND ${CMAKE_COMMAND}
            "-DCOMMAND=$<TARGET_FILE:vtpu>^^run^^${NETS}/lenet.onnx^^--precision^^int8^^--calibration^^${NETS}/lenet.calib^^--input^^${NETS}/lenet.input.npy^^--set^^mxu.rows=8^^--set^^mxu.cols=8^^--set^^mxu.backend=${backend}^^--set^^mxu.rtl_fault_bit=3^^${args}--output-dir^^${NETS}/out/${name}"
            -DEXIT=${exit} "-DSTDERR=${stderr}"
            -DOUT_DIR=${NETS}/out/${name} -P ${NET_DIR}/check_bad.cmake)
endfunction()
# Lockstep stops at the first MATMUL with the instruction, the tile
# coordinates and the element, expected vs got.
stuck_bit_test(cosim_lockstep_catches_a_stuck_bit lockstep "" 6
  "mxu lockstep: MATMUL #0 \\(int8 [0-9]+x[0-9]+x[0-9]+, C =\\): C\\[[0-9]+\\]\\[[0-9]+\\] \\(column tile [0-9]+, tile column 0, activation row [0-9]+\\) expected -?[0-9]+ \\(tlm\\), got -?[0-9]+ \\(rtl\\)")
# The RTL tile alone: the run ends, but `--check` finds the outputs differ
# from the host reference and writes none.
stuck_bit_test(check_catches_a_stuck_bit rtl "--check^^" 3
  "--check: output '[^']+' differs from the host reference at byte [0-9]+ of [0-9]+ \\(expected [0-9]+, got [0-9]+\\)")

# The roofline benchmark's script works (its formula against SCALE-Sim's own
# runs is checked on every start); the figures themselves are the benchmark's.
add_test(NAME networks.roofline_bench_runs
  COMMAND ${PROJECT_BINARY_DIR}/bench/roofline.sh lenet:1:edge:int8 mlp:4:edge:bf16)
set_tests_properties(networks.roofline_bench_runs PROPERTIES
  PASS_REGULAR_EXPRESSION "lenet +1 edge +int8 .*mlp +4 edge +bf16 +[0-9,]+ +(array|weights) +[0-9,]+ +[0-9.]+"
  FAIL_REGULAR_EXPRESSION "refused|Traceback")

# Every base of the address map moved (docs/memory-map.md): the firmware finds
# each block through chip info, whose address the boot hands it in a1; core RAM
# is where the firmware is linked, so that run uses the runtime linked there.
# The outputs are the same byte for byte.
set(moved_map
  "--set address_map.core_ram_base=0x90000000 --set address_map.clint.base=0x03000000 --set address_map.plic.base=0x04000000 --set address_map.uart.base=0x12000000 --set address_map.sim_ctrl.base=0x12001000 --set address_map.dma.base=0x13000000 --set address_map.chip_info.base=0x13001000 --set address_map.command_processor.base=0x13002000 --set address_map.vmem_base=0x40000000 --set address_map.amem_base=0x50000000 --set address_map.hbm_base=0x400000000 --firmware ${CMAKE_BINARY_DIR}/firmware/runtime/runtime_ram_0x90000000.elf")
foreach(case "lenet;int8" "transformer;bf16")
  list(GET case 0 net)
  list(GET case 1 precision)
  set(run "$<TARGET_FILE:vtpu> run ${NETS}/${net}.onnx --precision ${precision} --calibration ${NETS}/${net}.calib --input ${NETS}/${net}.input.npy")
  set(out ${NETS}/out/moved_${net}_${precision})
  add_test(NAME networks.every_base_moved_${net}_${precision}
    COMMAND sh -c "rm -rf ${out} && mkdir -p ${out}/default ${out}/moved && ${run} --output-dir ${out}/default >/dev/null && ${run} --output-dir ${out}/moved ${moved_map} >/dev/null && cmp ${out}/default/output.npy ${out}/moved/output.npy && echo identical")
  set_tests_properties(networks.every_base_moved_${net}_${precision} PROPERTIES
    PASS_REGULAR_EXPRESSION "identical")
endforeach()

# An array that runs both dataflows (mxu.dataflow auto, docs/mxu.md): MobileNetV2
# bf16 on tpuv3-like gives the same bytes as on its ws array (bf16 goes
# output-stationary only where the orders agree), and its report names both
# dataflows among the layers' choices.
add_test(NAME networks.dataflow_auto_mobilenetv2_bf16
  COMMAND sh -c "rm -rf ${NETS}/out/df_ws ${NETS}/out/df_auto && mkdir -p ${NETS}/out/df_ws ${NETS}/out/df_auto && \
    $<TARGET_FILE:vtpu> run ${NETS}/mobilenetv2.onnx --precision bf16 --input ${NETS}/mobilenetv2.input.npy --config tpuv3-like --output-dir ${NETS}/out/df_ws >/dev/null && \
    $<TARGET_FILE:vtpu> run ${NETS}/mobilenetv2.onnx --precision bf16 --input ${NETS}/mobilenetv2.input.npy --config tpuv3-like --set mxu.dataflow=auto --output-dir ${NETS}/out/df_auto --report ${NETS}/out/df_auto/report.json >/dev/null && \
    cmp ${NETS}/out/df_ws/output.npy ${NETS}/out/df_auto/output.npy && \
    grep -q '\"dataflow\": \"os\"' ${NETS}/out/df_auto/report.json && grep -q '\"dataflow\": \"ws\"' ${NETS}/out/df_auto/report.json")

# Issue 19: outputs that could not be written, devices and odd .npy headers.
bad_input_test(report_unwritable_dir 2 "--report /nonexistent/r.json: cannot write in /nonexistent"
  run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_report_unwritable_dir
  --report /nonexistent/r.json)
bad_input_test(trace_full_disk 2 "/dev/full: cannot write the trace"
  run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_trace_full_disk
  --trace /dev/full)
bad_input_test(report_full_disk 2 "/dev/full: cannot write the report"
  run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_report_full_disk
  --report /dev/full)
bad_input_test(input_float64 2 "input_float64.npy: input 'input' must be float32, the file holds float64"
  run ${NETS}/mlp.vtpu --input ${NETS}/bad/input_float64.npy --output-dir ${NETS}/out/bad_input_float64)
bad_input_test(opset99 2 "opset99.onnx: opset_import: opset 99 of domain 'ai.onnx' is outside what this build's ONNX knows \\(1 to [0-9]+\\)"
  compile ${NETS}/bad/opset99.onnx -o ${NETS}/out/bad_opset99/m.vtpu)
add_test(NAME networks.bad_vtpu_not_utf8  # the executable's `source` string made of bytes that are not UTF-8
  COMMAND sh -c "D=${NETS}/out/bad_vtpu_not_utf8 && rm -rf $D && mkdir -p $D && cp ${NETS}/mlp.vtpu $D/m.vtpu && \
    printf '\\032\\003\\377\\376\\375' >> $D/m.vtpu && \
    err=$($<TARGET_FILE:vtpu> run $D/m.vtpu --input ${NETS}/mlp.input.npy --output-dir $D/out 2>&1 >/dev/null); \
    test $? -eq 2 && ! test -e $D/out/output.npy && echo \"$err\"")
set_tests_properties(networks.bad_vtpu_not_utf8 PROPERTIES
  PASS_REGULAR_EXPRESSION "^vtpu: [^\n]*m.vtpu: [^\n]*\n$")
bad_input_test(model_is_a_device 2 "/dev/zero: not a regular file"
  run /dev/zero --input ${NETS}/mlp.input.npy --output-dir ${NETS}/out/bad_model_is_a_device)
bad_input_test(input_is_a_device 2 "/dev/zero: not a regular file"
  run ${NETS}/mlp.vtpu --input /dev/zero --output-dir ${NETS}/out/bad_input_is_a_device)
add_test(NAME networks.bad_empty_config  # an empty argument does not survive a CMake list
  COMMAND sh -c "err=$($<TARGET_FILE:vtpu> run ${NETS}/mlp.vtpu --config '' --input ${NETS}/mlp.input.npy 2>&1 >/dev/null); test $? -eq 2 && echo \"$err\"")
set_tests_properties(networks.bad_empty_config PROPERTIES
  PASS_REGULAR_EXPRESSION "^vtpu: --config: empty \\(a preset name or a .textproto file\\)\n$")
bad_input_test(input_fractional_shape 2 "input_fractional_shape.npy: bad shape \\(1.5, 784\\): dimensions are whole numbers"
  run ${NETS}/mlp.vtpu --input ${NETS}/bad/input_fractional_shape.npy --output-dir ${NETS}/out/bad_input_fractional_shape)
# A failed run into the directory of a successful one leaves none of its
# outputs behind (issue 19); its report is replaced by one with the error.
add_test(NAME networks.failed_run_clears_old_outputs
  COMMAND sh -c "D=${NETS}/out/failed_run && rm -rf $D && mkdir -p $D && \
    $<TARGET_FILE:vtpu> run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --output-dir $D --report $D/r.json >/dev/null && \
    test -e $D/output.npy && test -e $D/r.json && \
    ! $<TARGET_FILE:vtpu> run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --output-dir $D --report $D/r.json --max-time 1us >/dev/null 2>&1 && \
    ! test -e $D/output.npy && grep -q '\"status\": \"error\"' $D/r.json")
# The same for runs refused before the simulation (a bad --input, a
# wrong-shaped .npy): no earlier output, trace or report stays.
add_test(NAME networks.refused_run_clears_old_outputs
  COMMAND sh -c "D=${NETS}/out/refused_run && rm -rf $D && mkdir -p $D && \
    for bad in random:abc ${NETS}/lenet.input.npy; do \
      $<TARGET_FILE:vtpu> run ${NETS}/mlp.onnx --calibration ${NETS}/mlp.calib --input ${NETS}/mlp.input.npy --output-dir $D --report $D/r.json --trace $D/t.json >/dev/null && \
      test -e $D/output.npy && test -e $D/t.json && grep -q '\"status\": \"ok\"' $D/r.json && \
      ! $<TARGET_FILE:vtpu> run ${NETS}/mlp.onnx --calibration ${NETS}/mlp.calib --input $bad --output-dir $D --report $D/r.json --trace $D/t.json >/dev/null 2>&1 && \
      ! test -e $D/output.npy && ! test -e $D/t.json && grep -q '\"status\": \"error\"' $D/r.json || exit 1; \
    done && echo PASS cleared")
set_tests_properties(networks.refused_run_clears_old_outputs PROPERTIES PASS_REGULAR_EXPRESSION "PASS cleared")
# An output path that is a file the run reads is refused, the file untouched.
add_test(NAME networks.output_onto_input_refused
  COMMAND sh -c "D=${NETS}/out/output_onto_input && rm -rf $D && mkdir -p $D && \
    cp ${NETS}/mlp.input.npy $D/output.npy && cp ${NETS}/mlp.input.npy $D/x.npy && cp ${NETS}/mlp.onnx $D/m.onnx && \
    ! $<TARGET_FILE:vtpu> run ${NETS}/mlp.vtpu --input $D/output.npy --output-dir $D 2>$D/e1 && \
    grep -q '^vtpu: --output-dir .*/output.npy: is also a file this run reads$' $D/e1 && \
    ! $<TARGET_FILE:vtpu> run ${NETS}/mlp.vtpu --input $D/x.npy --report $D/x.npy 2>$D/e2 && \
    grep -q '^vtpu: --report .*/x.npy: is also a file this run reads$' $D/e2 && \
    ! $<TARGET_FILE:vtpu> compile $D/m.onnx --calibration ${NETS}/mlp.calib -o $D/m.onnx 2>$D/e3 && \
    grep -q '^vtpu: -o .*/m.onnx: is the model being compiled$' $D/e3 && \
    cmp -s $D/output.npy ${NETS}/mlp.input.npy && cmp -s $D/x.npy ${NETS}/mlp.input.npy && \
    cmp -s $D/m.onnx ${NETS}/mlp.onnx && echo PASS untouched")
set_tests_properties(networks.output_onto_input_refused PROPERTIES PASS_REGULAR_EXPRESSION "PASS untouched")
# Without --max-time a run that cannot end stops at the model's default
# limit (docs/cli.md): here a firmware that spins instead of running the model.
bad_input_test(default_time_limit 4
  "simulated time limit reached \\([0-9]+ ns\\) at pc 0x8000000[0-9a-f] \\(the default limit for this model; --max-time sets another\\)"
  run ${NETS}/mlp.vtpu --input ${NETS}/mlp.input.npy --firmware ${VTPU_FIRMWARE_DIR}/cli/spin.elf
  --output-dir ${NETS}/out/bad_default_time_limit)
set_tests_properties(networks.bad_default_time_limit PROPERTIES TIMEOUT 30)
# SIGINT or SIGTERM during a run: status 130, a valid trace marked partial,
# no outputs (docs/cli.md).
foreach(signal INT TERM)
  add_test(NAME networks.interrupted_by_sig${signal}
    COMMAND sh ${NET_DIR}/interrupt.sh $<TARGET_FILE:vtpu> ${NETS}/mlp.vtpu ${NETS}/mlp.input.npy
            ${VTPU_FIRMWARE_DIR}/cli/spin.elf ${NETS}/out/interrupted_${signal} ${VTPU_PYTHON3} ${signal})
  set_tests_properties(networks.interrupted_by_sig${signal} PROPERTIES TIMEOUT 60
    PASS_REGULAR_EXPRESSION "^vtpu: interrupted by a signal at pc 0x8000000[0-9a-f]\n$")
endforeach()
# A corrupt .vtpu layer table is refused before the run, not run for hours
# (issue 19: a MATMUL batch of 2^32 - 1, a POOL over 10^6 images).
foreach(case "mlp|matmul|matmul.batch|0xffffffff|layer 0 \\(matmul\\): layer of node 0: matmul.c_batch_stride 0 is below C's 256 bytes"
             "lenet|pool|pool.n|1000000|layer 1 \\(pool\\): layer of node 1: pool.in: 4704000000 bytes at offset [0-9]+ are outside the HBM")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 net)
  list(GET case 1 kind)
  list(GET case 2 field)
  list(GET case 3 value)
  list(GET case 4 message)
  set(out ${NETS}/out/bad_vtpu_${kind})
  add_test(NAME networks.bad_vtpu_${kind}
    COMMAND sh -c "rm -rf ${out} && mkdir -p ${out} && \
      ${VTPU_PYTHON3} ${NET_DIR}/mutate_vtpu.py ${NETS}/${net}.vtpu ${out}/m.vtpu ${kind} ${field} ${value} >/dev/null && \
      err=$(timeout 10 $<TARGET_FILE:vtpu> run ${out}/m.vtpu --input ${NETS}/${net}.input.npy --output-dir ${out} 2>&1 >/dev/null); \
      test $? -eq 2 && ! test -e ${out}/output.npy && echo \"$err\"")
  set_tests_properties(networks.bad_vtpu_${kind} PROPERTIES
    PASS_REGULAR_EXPRESSION "^vtpu: [^\n]*m.vtpu: ${message}[^\n]*\n$")
endforeach()
# --profile: per function cycles and instructions against the core's cost
# table, totals against --stats and the report, cycles unchanged by it, an
# unwritable path refused before the run (tests/cli/check_profile.py, on
# tests/cli/profile.S and LeNet).
add_test(NAME networks.profile
  COMMAND ${VTPU_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/cli/check_profile.py --vtpu $<TARGET_FILE:vtpu>
          --elf ${FW}/cli/profile.elf --model ${NETS}/lenet.onnx
          --out ${NETS}/out/profile)
set_tests_properties(networks.profile PROPERTIES PASS_REGULAR_EXPRESSION "PASS profile")
