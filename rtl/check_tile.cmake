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

include(${CMAKE_CURRENT_LIST_DIR}/rtl_ports.cmake)

function(vtpu_check_tile verilator sources top rows cols out_dir)
  set(rtl_contract "the MXU tile's RTL does not meet the pin contract (docs/cosim.md)")
  set(rtl_params_hint "the tile's rows R and columns C")
  vtpu_rtl_ports(${verilator} "${sources}" ${top} ${out_dir} VTPU_MXU_RTL -GR=${rows} -GC=${cols})
  set(ports ${rtl_ports})
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
  # A sparse pin brings the 2:4 mode's: a position per column, a second half
  # of each activation row.
  if("sparse" IN_LIST ports)
    math(EXPR pos_bits "2 * ${cols}")
    list(APPEND contract sparse:input:1 w_pos:input:${pos_bits} a_hi:input:${a_bits})
  endif()
  vtpu_rtl_check_pins(VTPU_MXU_RTL ${top} "${contract}" "" " with R=${rows}, C=${cols}"
                      " (lanes of ${lane} bits)")
  set(TILE_HAS_BF16 ${has_bf16} PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)  # run as a script
  vtpu_check_tile(${VERILATOR} "${SOURCES}" ${TOP} ${ROWS} ${COLS} ${OUT_DIR})
  message(STATUS "${TOP} meets the pin contract (bf16 pin: ${TILE_HAS_BF16})")
endif()
