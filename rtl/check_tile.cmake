# Checks that an MXU tile's RTL meets the pin contract (docs/cosim.md, "Your
# own tile") before it is built: it elaborates (Verilator) with parameters R
# and C, and its top has exactly the contract's ports, directions and widths.
# Stops with one line on stderr naming what is wrong, then CMake's error:
#   VTPU_MXU_RTL: mxu_tile_x has no port 'a_last' (input, 1 bit)
# Run by rtl/CMakeLists.txt at configure time, or as a script:
#   cmake -DVERILATOR=... -DSOURCES="a.sv;b.sv" -DTOP=name -DROWS=8 -DCOLS=8
#         -DOUT_DIR=dir -P rtl/check_tile.cmake
# Sets TILE_HAS_BF16 (1 or 0) in the caller when included.
if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.16)  # IN_LIST, as the project has it
endif()

# The one line, unwrapped, then the stop.
macro(tile_fails)
  string(CONCAT line ${ARGN})
  message(NOTICE "${line}")
  message(FATAL_ERROR "the MXU tile's RTL does not meet the pin contract (docs/cosim.md)")
endmacro()

function(vtpu_check_tile verilator sources top rows cols out_dir)
  foreach(file ${sources})
    if(NOT EXISTS "${file}")
      tile_fails("VTPU_MXU_RTL: '${file}' does not exist")
    endif()
  endforeach()
  file(REMOVE_RECURSE "${out_dir}")
  file(MAKE_DIRECTORY "${out_dir}")
  execute_process(
    COMMAND ${verilator} --xml-only -Wno-fatal --top-module ${top} -GR=${rows} -GC=${cols}
            --Mdir ${out_dir} --prefix Vtop ${sources}
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    if(err MATCHES "Parameters from the command line were not found in the design: ([A-Za-z_0-9]+)")
      tile_fails("VTPU_MXU_RTL: ${top} has no parameter '${CMAKE_MATCH_1}' "
                          "(the tile's rows R and columns C)")
    endif()
    string(REGEX MATCH "%Error[^\n]*" first "${err}")
    tile_fails("VTPU_MXU_RTL: Verilator cannot elaborate ${top}: ${first}")
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
    set(dir_${name} ${CMAKE_MATCH_1})
    set(width 1)
    if(xml MATCHES "<basicdtype [^>]*id=\"${dtype}\"[^>]*left=\"([0-9]+)\" right=\"([0-9]+)\"")
      math(EXPR width "${CMAKE_MATCH_1} - ${CMAKE_MATCH_2} + 1")
    endif()
    set(width_${name} ${width})
    list(APPEND ports ${name})
  endforeach()
  # A bf16 pin makes the lanes 16 bits wide; without it they are 8 (int8 only).
  set(lane 8)
  set(has_bf16 0)
  if("bf16" IN_LIST ports)
    set(lane 16)
    set(has_bf16 1)
  endif()
  math(EXPR w_bits "${lane} * ${cols}")
  math(EXPR a_bits "${lane} * ${rows}")
  math(EXPR c_bits "32 * ${cols}")
  set(contract clk:input:1 rst_n:input:1 w_valid:input:1 w_ready:output:1
               w_data:input:${w_bits} a_valid:input:1 a_ready:output:1 a_data:input:${a_bits}
               a_last:input:1 c_valid:output:1 c_ready:input:1 c_data:output:${c_bits})
  if(has_bf16)
    list(APPEND contract bf16:input:1)
  endif()
  set(known "")
  foreach(pin ${contract})
    string(REPLACE ":" ";" pin ${pin})
    list(GET pin 0 name)
    list(GET pin 1 dir)
    list(GET pin 2 bits)
    list(APPEND known ${name})
    set(unit "bits")
    if(bits EQUAL 1)
      set(unit "bit")
    endif()
    if(NOT name IN_LIST ports)
      tile_fails("VTPU_MXU_RTL: ${top} has no port '${name}' (${dir}, ${bits} ${unit})")
    endif()
    if(NOT dir_${name} STREQUAL dir)
      tile_fails("VTPU_MXU_RTL: ${top}'s port '${name}' is an ${dir_${name}}, "
                          "the contract says ${dir}")
    endif()
    if(NOT width_${name} EQUAL bits)
      tile_fails("VTPU_MXU_RTL: ${top}'s port '${name}' is ${width_${name}} bits wide "
                          "with R=${rows}, C=${cols}, the contract says ${bits} (lanes of ${lane} bits)")
    endif()
  endforeach()
  foreach(name ${ports})
    if(NOT name IN_LIST known)
      tile_fails("VTPU_MXU_RTL: ${top} has a port '${name}' the contract does not know")
    endif()
  endforeach()
  set(TILE_HAS_BF16 ${has_bf16} PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)  # run as a script
  vtpu_check_tile(${VERILATOR} "${SOURCES}" ${TOP} ${ROWS} ${COLS} ${OUT_DIR})
  message(STATUS "${TOP} meets the pin contract (bf16 pin: ${TILE_HAS_BF16})")
endif()
