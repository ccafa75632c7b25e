# The ports of a Verilog top, for the pin-contract checks of the MXU tile
# (check_tile.cmake) and of AXI blocks (axi/check_block.cmake).
#
# rtl_fails(text...): the one line naming what is wrong, unwrapped, then the
# stop with ${rtl_contract} (which contract was not met).
macro(rtl_fails)
  string(CONCAT line ${ARGN})
  message(NOTICE "${line}")
  message(FATAL_ERROR "${rtl_contract}")
endmacro()

# vtpu_rtl_ports(VERILATOR SOURCES TOP OUT_DIR OPTION PARAMS...): elaborates
# TOP with Verilator (--xml-only, the -G options PARAMS) and sets in the
# caller rtl_ports (the top's port names), rtl_dir_<port> (input or output)
# and rtl_width_<port> (bits). Failures name OPTION (the CMake option that
# brought the files) and, for a missing parameter, ${rtl_params_hint}.
function(vtpu_rtl_ports verilator sources top out_dir option)
  foreach(file ${sources})
    if(NOT EXISTS "${file}")
      rtl_fails("${option}: '${file}' does not exist")
    endif()
  endforeach()
  file(REMOVE_RECURSE "${out_dir}")
  file(MAKE_DIRECTORY "${out_dir}")
  execute_process(
    COMMAND ${verilator} --xml-only -Wno-fatal --top-module ${top} ${ARGN}
            --Mdir ${out_dir} --prefix Vtop ${sources}
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    if(err MATCHES "Parameters from the command line were not found in the design: ([A-Za-z_0-9]+)")
      rtl_fails("${option}: ${top} has no parameter '${CMAKE_MATCH_1}' (${rtl_params_hint})")
    endif()
    string(REGEX MATCH "%Error[^\n]*" first "${err}")
    rtl_fails("${option}: Verilator cannot elaborate ${top}: ${first}")
  endif()
  file(READ ${out_dir}/Vtop.xml xml)
  # The top module's ports: its <var ... dir=...> lines with a pinIndex.
  string(REGEX MATCH "<module [^>]*name=\"${top}\"[^>]*topModule=\"1\">.*" module "${xml}")
  string(FIND "${module}" "</module>" end)
  string(SUBSTRING "${module}" 0 ${end} module)
  string(REGEX MATCHALL "<var [^>]*pinIndex=[^>]*>" vars "${module}")
  set(ports "")
  foreach(var ${vars})
    string(REGEX MATCH "name=\"([^\"]+)\"" _ "${var}")
    set(name ${CMAKE_MATCH_1})
    string(REGEX MATCH "dtype_id=\"([0-9]+)\"" _ "${var}")
    set(dtype ${CMAKE_MATCH_1})
    string(REGEX MATCH "dir=\"([a-z]+)\"" _ "${var}")
    set(rtl_dir_${name} ${CMAKE_MATCH_1} PARENT_SCOPE)
    set(width 1)
    if(xml MATCHES "<basicdtype [^>]*id=\"${dtype}\"[^>]*left=\"([0-9]+)\" right=\"([0-9]+)\"")
      math(EXPR width "${CMAKE_MATCH_1} - ${CMAKE_MATCH_2} + 1")
    endif()
    set(rtl_width_${name} ${width} PARENT_SCOPE)
    list(APPEND ports ${name})
  endforeach()
  set(rtl_ports ${ports} PARENT_SCOPE)
endfunction()

# vtpu_rtl_check_pins(OPTION TOP "REQUIRED" "OPTIONAL" CONTEXT HINT): after
# vtpu_rtl_ports(), checks the top's ports against pins written
# name:direction:bits: each REQUIRED pin is there, each pin of either list
# that is there has its direction and width, and no other port is. A width
# message reads "... is N bits wide${CONTEXT}, the contract says M${HINT}".
function(vtpu_rtl_check_pins option top required optional context hint)
  set(known "")
  foreach(pin ${required} ${optional})
    set(spec ${pin})
    string(REPLACE ":" ";" pin ${pin})
    list(GET pin 0 name)
    list(GET pin 1 dir)
    list(GET pin 2 bits)
    list(APPEND known ${name})
    set(unit "bits")
    if(bits EQUAL 1)
      set(unit "bit")
    endif()
    if(NOT name IN_LIST rtl_ports)
      if(spec IN_LIST optional)
        continue()
      endif()
      rtl_fails("${option}: ${top} has no port '${name}' (${dir}, ${bits} ${unit})")
    endif()
    if(NOT rtl_dir_${name} STREQUAL dir)
      rtl_fails("${option}: ${top}'s port '${name}' is an ${rtl_dir_${name}}, the contract says "
                "${dir}")
    endif()
    if(NOT rtl_width_${name} EQUAL bits)
      rtl_fails("${option}: ${top}'s port '${name}' is ${rtl_width_${name}} bits wide${context}, "
                "the contract says ${bits}${hint}")
    endif()
  endforeach()
  foreach(name ${rtl_ports})
    if(NOT name IN_LIST known)
      rtl_fails("${option}: ${top} has a port '${name}' the contract does not know")
    endif()
  endforeach()
endfunction()
