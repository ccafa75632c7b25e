# One network under mxu.backend tlm, rtl and lockstep (docs/cosim.md): each run
# succeeds, the outputs are the same byte for byte, and so are the simulated
# cycles, in total and layer by layer (the RTL tile's counts are the TLM
# formula's). The rtl run also dumps the tile's waveform for MATMULs 1 and 2
# as VCD, the lockstep run as FST: both must hold the tile's pins at the
# platform's time, the same values at the same times. A fourth run, lockstep
# with no waveform, takes the dense-only model for dense MATMULs.
#   -DVTPU=... -DARGS="a^^b^^..." -DWAVE_SUMMARY=... -DOUT_DIR=...
string(REPLACE "^^" ";" args "${ARGS}")
file(REMOVE_RECURSE ${OUT_DIR})
# `plain` is lockstep with no waveform: the tile's models are then chosen per
# MATMUL (the dense-only build for dense ones, rtl/mxu_tile/tiles.cpp).
foreach(backend tlm rtl lockstep plain)
  file(MAKE_DIRECTORY ${OUT_DIR}/${backend})
  set(extra "")
  set(engine ${backend})
  if(backend STREQUAL "plain")
    set(engine lockstep)
  elseif(backend STREQUAL "rtl")
    set(extra --set mxu.rtl_vcd=${OUT_DIR}/tile.vcd --set mxu.rtl_vcd_from=1
              --set mxu.rtl_vcd_count=2)
  elseif(backend STREQUAL "lockstep")
    set(extra --set mxu.rtl_fst=${OUT_DIR}/tile.fst --set mxu.rtl_vcd_from=1
              --set mxu.rtl_vcd_count=2)
  endif()
  execute_process(COMMAND ${VTPU} run ${args} --set mxu.backend=${engine} ${extra}
                          --output-dir ${OUT_DIR}/${backend} --report ${OUT_DIR}/${backend}/report.json
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mxu.backend=${backend}: vtpu run failed (${rc}):\n${out}\n${err}")
  endif()
  string(REGEX MATCH "[^\n]+ simulated[^\n]+" summary "${out}")
  message(STATUS "${backend}: ${summary}")
  file(READ ${OUT_DIR}/${backend}/report.json report_${backend})
endforeach()

file(GLOB outputs RELATIVE ${OUT_DIR}/tlm ${OUT_DIR}/tlm/*.npy)
if(NOT outputs)
  message(FATAL_ERROR "the tlm run wrote no outputs")
endif()
foreach(backend rtl lockstep plain)
  foreach(file ${outputs})
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT_DIR}/tlm/${file}
                            ${OUT_DIR}/${backend}/${file} RESULT_VARIABLE differ)
    if(differ)
      message(FATAL_ERROR "${file}: mxu.backend=${backend} differs from tlm")
    endif()
  endforeach()
  string(JSON tlm_cycles GET "${report_tlm}" cycles)
  string(JSON cycles GET "${report_${backend}}" cycles)
  if(NOT cycles EQUAL tlm_cycles)
    message(FATAL_ERROR "mxu.backend=${backend}: ${cycles} cycles, tlm ${tlm_cycles}")
  endif()
  string(JSON layers LENGTH "${report_tlm}" layers)
  math(EXPR last "${layers} - 1")
  foreach(i RANGE ${last})
    string(JSON want GET "${report_tlm}" layers ${i} cycles)
    string(JSON got GET "${report_${backend}}" layers ${i} cycles)
    if(NOT got EQUAL want)
      message(FATAL_ERROR "mxu.backend=${backend}: layer ${i} took ${got} cycles, tlm ${want}")
    endif()
  endforeach()
endforeach()
message(STATUS "outputs identical; ${tlm_cycles} cycles under every backend")

# The waveform: Verilator's VCD of the tile, its pins declared, and times that
# start where the platform ran the second MATMUL (not at 0).
file(READ ${OUT_DIR}/tile.vcd vcd)
foreach(signal w_valid a_valid a_last c_valid c_data)
  if(NOT vcd MATCHES "\\$var wire +[0-9]+ [^ ]+ ${signal} ")
    message(FATAL_ERROR "tile.vcd: no ${signal}")
  endif()
endforeach()
string(REGEX MATCH "\\$enddefinitions[^#]*#([0-9]+)" first "${vcd}")
if(NOT first OR CMAKE_MATCH_1 EQUAL 0)
  message(FATAL_ERROR "tile.vcd: no dump at the platform's time (${CMAKE_MATCH_1})")
endif()
message(STATUS "tile.vcd: first dump at ${CMAKE_MATCH_1} ps")

# The FST of the same MATMULs (the lockstep run: the same cycles, so the same
# times) says what the VCD says, pin by pin.
include(${CMAKE_CURRENT_LIST_DIR}/../rtl/same_waves.cmake)
same_waves(${OUT_DIR}/tile.vcd ${OUT_DIR}/tile.fst summary_fst)
if(NOT summary_fst MATCHES "\nc_valid 1 values [1-9]")
  message(FATAL_ERROR "tile.fst: c_valid never changes:\n${summary_fst}")
endif()
message(STATUS "tile.fst: the same pins at the same times as tile.vcd")
