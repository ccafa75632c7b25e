# The Python package (python/vtpu) under ctest, driving this build's vtpu
# with Debian's python3 (pandas, matplotlib): docs/experiments.md, "Python".
add_test(NAME python.package
  COMMAND ${CMAKE_COMMAND} -E env VTPU=$<TARGET_FILE:vtpu> PYTHONPATH=${PROJECT_SOURCE_DIR}/python
    ${VTPU_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/test_vtpu.py ${NETS}/lenet.onnx
    ${NETS}/out/python)
set_tests_properties(python.package PROPERTIES FAIL_REGULAR_EXPRESSION "FAILED|Error")

# experiments/smoke.textproto as the README gives it, then `vtpu plot` on its
# results: PNG files in the directory. The spec names ../build/networks; a
# tree with this build as its build/ lets any build directory run it.
set(SMOKE ${NETS}/out/smoke_tree)
add_test(NAME python.plot_smoke
  COMMAND sh -c "rm -rf ${SMOKE} && mkdir -p ${SMOKE}/experiments && \
    cp ${PROJECT_SOURCE_DIR}/experiments/smoke.textproto ${SMOKE}/experiments/ && \
    ln -s ${CMAKE_BINARY_DIR} ${SMOKE}/build && \
    $<TARGET_FILE:vtpu> sweep ${SMOKE}/experiments/smoke.textproto --out ${SMOKE}/results -j 2 >/dev/null && \
    $<TARGET_FILE:vtpu> plot ${SMOKE}/results >/dev/null && \
    test -s ${SMOKE}/results/pareto.png && test -s ${SMOKE}/results/axis_mxu.rows.png && \
    test -s ${SMOKE}/results/layers_lenet_int8.png && test $(wc -l < ${SMOKE}/results/runs.csv) -eq 5 && \
    echo PASS plots")
set_tests_properties(python.plot_smoke PROPERTIES PASS_REGULAR_EXPRESSION "PASS plots")

# A damaged results directory: one line naming it, exit 2, no traceback.
add_test(NAME python.plot_bad_results
  COMMAND sh -c "rm -rf ${NETS}/out/plot_bad && mkdir -p ${NETS}/out/plot_bad && \
    echo garbage > ${NETS}/out/plot_bad/sweep.json && \
    $<TARGET_FILE:vtpu> plot ${NETS}/out/plot_bad 2> ${NETS}/out/plot_bad.err; \
    status=$?; cat ${NETS}/out/plot_bad.err; \
    test $status -eq 2 && test $(wc -l < ${NETS}/out/plot_bad.err) -eq 1 && \
    echo '{}' > ${NETS}/out/plot_bad/sweep.json && touch ${NETS}/out/plot_bad/runs.csv && \
    $<TARGET_FILE:vtpu> plot ${NETS}/out/plot_bad 2> ${NETS}/out/plot_bad.err; \
    status=$?; cat ${NETS}/out/plot_bad.err; \
    test $status -eq 2 && test $(wc -l < ${NETS}/out/plot_bad.err) -eq 1 && echo PASS one line")
set_tests_properties(python.plot_bad_results PROPERTIES PASS_REGULAR_EXPRESSION "PASS one line"
  FAIL_REGULAR_EXPRESSION "Traceback")

# vtpu.traces: the transaction trace and the MXU stimulus read from Python,
# against the C++ reader and numpy's products of the recorded operands.
add_test(NAME python.traces
  COMMAND ${CMAKE_COMMAND} -E env VTPU=$<TARGET_FILE:vtpu> PYTHONPATH=${PROJECT_SOURCE_DIR}/python
    ${VTPU_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/test_traces.py ${NETS}/lenet.onnx
    ${NETS}/out/python_traces)
set_tests_properties(python.traces PROPERTIES FAIL_REGULAR_EXPRESSION "FAILED|Error")
