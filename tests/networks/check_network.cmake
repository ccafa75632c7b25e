# One network end to end: `vtpu run --check` (VTPU, ARGS "^^"-separated)
# writes OUT_DIR/<output>.npy and a report once every output byte equals the
# host reference's (sw/runtime/reference.h) on the same layer table;
# compare.py checks the output against PyTorch's fp32 output (EXPECTED) with
# MIN_COSINE.
string(REPLACE "^^" ";" args "${ARGS}")
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(COMMAND ${VTPU} run ${args} --check --output-dir ${OUT_DIR} --report ${OUT_DIR}/report.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vtpu run failed (${rc}):\n${out}\n${err}")
endif()
string(REGEX MATCH "[^\n]+ simulated[^\n]+" summary "${out}")
message(STATUS "${summary}")
file(GLOB outputs ${OUT_DIR}/*.npy)
list(LENGTH outputs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one output file, got: ${outputs}")
endif()
execute_process(COMMAND ${PYTHON} ${COMPARE} ${EXPECTED} ${outputs} --min-cosine ${MIN_COSINE}
                        --name ${NAME}
                RESULT_VARIABLE rc OUTPUT_VARIABLE cmp ERROR_VARIABLE cmp_err)
message(STATUS "${cmp}${cmp_err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NAME}: outputs differ from PyTorch's beyond cosine ${MIN_COSINE}")
endif()
file(READ ${OUT_DIR}/report.json report)
foreach(key simulated_time_ns cycles wall_time_s config precision layers mxu_utilization
            hbm_read_bytes hbm_write_bytes macs)
  if(NOT report MATCHES "\"${key}\"")
    message(FATAL_ERROR "report.json has no \"${key}\"")
  endif()
endforeach()
