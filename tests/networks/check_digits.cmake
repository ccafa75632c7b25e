# The digits classifier trained in the build (digits.py): int8 on the chip
# keeps its test accuracy within one point of PyTorch's fp32.
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(COMMAND ${VTPU} run ${NETS}/digits.onnx --precision int8
                        --calibration ${NETS}/digits.calib --input ${NETS}/digits.test_x.npy
                        --output-dir ${OUT_DIR}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vtpu run failed (${rc}): ${err}")
endif()
file(GLOB logits ${OUT_DIR}/*.npy)
foreach(which fp32 chip)
  if(which STREQUAL "fp32")
    set(file ${NETS}/digits.output.npy)
  else()
    set(file ${logits})
  endif()
  execute_process(COMMAND ${PYTHON} ${SCRIPT} --score ${file} ${NETS}/digits.test_y.npy
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy ([0-9.]+)")
    message(FATAL_ERROR "scoring ${file} failed: ${out}")
  endif()
  set(accuracy_${which} ${CMAKE_MATCH_1})
endforeach()
message(STATUS "digits test accuracy: fp32 ${accuracy_fp32} %, int8 on the chip ${accuracy_chip} %")
math(EXPR drop_x100 "0")
string(REPLACE "." "" a "${accuracy_fp32}")
string(REPLACE "." "" b "${accuracy_chip}")
math(EXPR drop_x100 "${a} - ${b}")
if(drop_x100 GREATER 100)
  message(FATAL_ERROR "int8 lost more than one point of accuracy")
endif()
