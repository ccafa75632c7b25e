# Runs kernel_check's one-matmul model with runtime.double_buffering on and
# off (COMMAND, "^^"-separated) and checks the layer's cycles: on <= MAX_RATIO x off.
string(REPLACE "^^" ";" command "${COMMAND}")
foreach(mode true false)
  execute_process(COMMAND ${command} --set runtime.double_buffering=${mode}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "double_buffering=${mode}: exit ${rc}\n${out}")
  endif()
  if(NOT out MATCHES "layer 0 matmul +cycles ([0-9]+)")
    message(FATAL_ERROR "double_buffering=${mode}: no layer cycles in\n${out}")
  endif()
  set(cycles_${mode} ${CMAKE_MATCH_1})
endforeach()
math(EXPR limit "${cycles_false} * ${MAX_RATIO_PERCENT} / 100")
message(STATUS "cycles: on ${cycles_true}, off ${cycles_false}, limit ${limit}")
if(cycles_true GREATER limit)
  message(FATAL_ERROR "on ${cycles_true} > ${MAX_RATIO_PERCENT}% of off ${cycles_false}")
endif()
