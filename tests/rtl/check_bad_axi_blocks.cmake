# AXI blocks that do not meet the bus contract are refused before anything is
# built, with one line naming the port (docs/cosim.md, "Blocks on the bus"):
# rtl/axi/check_block.cmake as rtl/CMakeLists.txt runs it.
#   -DVERILATOR=... -DSOURCE_DIR=... -DOUT_DIR=...
# The broken blocks: copies of the example copier, each with one defect.
file(READ ${SOURCE_DIR}/rtl/examples/axi_copy/axi_copy.sv copier)
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
string(REPLACE "    output logic        m_axi_wlast,\n" "" text "${copier}")
string(REPLACE "  assign m_axi_wlast = beat + 9'd1 == beats;\n" "" text "${text}")
string(REPLACE "if (m_axi_wlast)" "if (beat + 9'd1 == beats)" text "${text}")
file(WRITE ${OUT_DIR}/no_wlast.sv "${text}")
string(REPLACE "output logic [ 7:0] m_axi_wstrb" "output logic [ 3:0] m_axi_wstrb" text "${copier}")
string(REPLACE "m_axi_wstrb = 8'hff" "m_axi_wstrb = 4'hf" text "${text}")
file(WRITE ${OUT_DIR}/narrow_wstrb.sv "${text}")
string(REPLACE "output logic        m_axi_rready," "input  logic        m_axi_rready," text "${copier}")
string(REPLACE "  assign m_axi_rready = state == READ && ar_taken;" "" text "${text}")
file(WRITE ${OUT_DIR}/rready_in.sv "${text}")
string(REPLACE "    output logic        busy\n" "    output logic        busy,\n    input  logic        debug_en\n"
       text "${copier}")
file(WRITE ${OUT_DIR}/unknown_port.sv "${text}")
file(WRITE ${OUT_DIR}/no_bus.sv
  "module axi_copy (input logic clk, input logic rst_n, output logic irq);\n"
  "  always_ff @(posedge clk) irq <= !rst_n;\nendmodule\n")
foreach(case
    "no_wlast.sv|^VTPU_AXI_RTL: axi_copy has no port 'm_axi_wlast' \\(output, 1 bit\\)\n"
    "narrow_wstrb.sv|^VTPU_AXI_RTL: axi_copy's port 'm_axi_wstrb' is 4 bits wide, the contract says 8\n"
    "rready_in.sv|^VTPU_AXI_RTL: axi_copy's port 'm_axi_rready' is an input, the contract says output\n"
    "unknown_port.sv|^VTPU_AXI_RTL: axi_copy has a port 'debug_en' the contract does not know\n"
    "no_bus.sv|^VTPU_AXI_RTL: axi_copy has neither an AXI4-Lite slave \\(s_axil_\\*\\) nor an AXI4 master \\(m_axi_\\*\\) port\n"
    "missing.sv|^VTPU_AXI_RTL: '[^']*missing.sv' does not exist\n")
  string(FIND "${case}" "|" bar)
  string(SUBSTRING "${case}" 0 ${bar} file)
  math(EXPR bar "${bar} + 1")
  string(SUBSTRING "${case}" ${bar} -1 want)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DVERILATOR=${VERILATOR} -DSOURCES=${OUT_DIR}/${file} -DTOP=axi_copy
            -DOUT_DIR=${OUT_DIR}/check_${file} -P ${SOURCE_DIR}/rtl/axi/check_block.cmake
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "${want}")
    message(FATAL_ERROR "${file}: exit ${rc}, stderr:\n${err}")
  endif()
  message(STATUS "${file}: refused")
endforeach()
# The examples conform.
foreach(block "axi_copy|master bus 8 bytes, slave address 8 bits"
              "axi_regs|master bus 0 bytes, slave address 12 bits")
  string(REPLACE "|" ";" block "${block}")
  list(GET block 0 top)
  list(GET block 1 want)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DVERILATOR=${VERILATOR}
            -DSOURCES=${SOURCE_DIR}/rtl/examples/${top}/${top}.sv -DTOP=${top}
            -DOUT_DIR=${OUT_DIR}/${top} -P ${SOURCE_DIR}/rtl/axi/check_block.cmake
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "${top} meets the bus contract \\(${want}\\)")
    message(FATAL_ERROR "${top}: exit ${rc}\n${out}${err}")
  endif()
endforeach()
