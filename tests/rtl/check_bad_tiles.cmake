# Tiles that do not meet the pin contract are refused before anything is
# built, with one line naming the port or parameter (docs/cosim.md, "Your own
# tile"): rtl/check_tile.cmake as rtl/CMakeLists.txt runs it.
#   -DVERILATOR=... -DSOURCE_DIR=... -DOUT_DIR=...
set(ours "${SOURCE_DIR}/rtl/mxu_tile/mxu_fp.sv;${SOURCE_DIR}/rtl/mxu_tile/mxu_tile.sv")
# The broken tiles: copies of the example late tile, each with one defect.
file(READ ${SOURCE_DIR}/rtl/examples/late_tile/mxu_tile_late.sv late)
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
string(REPLACE "    input  logic            a_last,\n" "" text "${late}")
string(REPLACE ".a_last," ".a_last(1'b0)," text "${text}")
file(WRITE ${OUT_DIR}/no_a_last.sv "${text}")
string(REPLACE "output logic [C*32-1:0] c_data" "output logic [C*16-1:0] c_data" text "${late}")
string(REPLACE "c_data <= inner_data;" "c_data <= inner_data[C*16-1:0];" text "${text}")
file(WRITE ${OUT_DIR}/narrow_c_data.sv "${text}")
string(REGEX REPLACE "([^.a-z_])C([^a-z_A-Z(])" "\\1COLS\\2" text "${late}")
string(REPLACE ".C(C)" ".C(COLS)" text "${text}")
file(WRITE ${OUT_DIR}/no_parameter_c.sv "${text}")
foreach(case
    "no_a_last.sv|^VTPU_MXU_RTL: mxu_tile_late has no port 'a_last' \\(input, 1 bit\\)\n"
    "narrow_c_data.sv|^VTPU_MXU_RTL: mxu_tile_late's port 'c_data' is 128 bits wide with R=8, C=8, the contract says 256 \\(lanes of 16 bits\\)\n"
    "no_parameter_c.sv|^VTPU_MXU_RTL: mxu_tile_late has no parameter 'C' \\(the tile's rows R and columns C\\)\n")
  string(FIND "${case}" "|" bar)
  string(SUBSTRING "${case}" 0 ${bar} file)
  math(EXPR bar "${bar} + 1")
  string(SUBSTRING "${case}" ${bar} -1 want)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DVERILATOR=${VERILATOR} "-DSOURCES=${ours};${OUT_DIR}/${file}"
            -DTOP=mxu_tile_late -DROWS=8 -DCOLS=8 -DOUT_DIR=${OUT_DIR}/check_${file}
            -P ${SOURCE_DIR}/rtl/check_tile.cmake
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "${want}")
    message(FATAL_ERROR "${file}: exit ${rc}, stderr:\n${err}")
  endif()
  message(STATUS "${file}: refused")
endforeach()
# The example late tile (rtl/examples/late_tile) conforms.
execute_process(
  COMMAND ${CMAKE_COMMAND} -DVERILATOR=${VERILATOR}
          "-DSOURCES=${ours};${SOURCE_DIR}/rtl/examples/late_tile/mxu_tile_late.sv"
          -DTOP=mxu_tile_late -DROWS=16 -DCOLS=8 -DOUT_DIR=${OUT_DIR}/late
          -P ${SOURCE_DIR}/rtl/check_tile.cmake
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "mxu_tile_late meets the pin contract \\(bf16 pin: 1\\)")
  message(FATAL_ERROR "the late tile: exit ${rc}\n${out}${err}")
endif()
