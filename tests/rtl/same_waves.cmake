# same_waves(VCD FST OUT): fails unless the two waveforms hold every pin's
# values at the same times (build/rtl/wave_summary reads the VCD with a parser
# of its own and the FST with GTKWave's reader); OUT gets the summary, one
# line per pin. Needs -DWAVE_SUMMARY=... in the calling script.
function(same_waves vcd fst out)
  foreach(file ${vcd} ${fst})
    execute_process(COMMAND ${WAVE_SUMMARY} ${file} RESULT_VARIABLE rc OUTPUT_VARIABLE summary
                    ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "wave_summary ${file}: ${err}")
    endif()
    list(APPEND summaries "${summary}")
  endforeach()
  list(GET summaries 0 of_vcd)
  list(GET summaries 1 of_fst)
  if(NOT of_fst STREQUAL of_vcd)
    message(FATAL_ERROR "${fst} and ${vcd} differ:\n${of_fst}\n---\n${of_vcd}")
  endif()
  set(${out} "${of_fst}" PARENT_SCOPE)
endfunction()
