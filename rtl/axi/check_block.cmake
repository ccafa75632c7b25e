# Checks that an AXI block's RTL meets the bus contract (docs/cosim.md,
# "Blocks on the bus") before it is built: its top has clk and rst_n, an
# AXI4-Lite slave (s_axil_*), an AXI4 master (m_axi_*) or both, each complete
# with the directions and widths AXI gives them, and optionally irq and busy.
# Stops with one line naming what is wrong, then CMake's error:
#   VTPU_AXI_RTL: my_dma has no port 'm_axi_wlast' (output, 1 bit)
# Sets in the caller AXI_BUS_BYTES (the master's data bytes; 0: no master) and
# AXI_SLAVE_ADDRESS_BITS (0: no slave). Run by rtl/CMakeLists.txt at configure
# time, or as a script:
#   cmake -DVERILATOR=... -DSOURCES="a.sv;b.sv" -DTOP=name -DOUT_DIR=dir
#         -P rtl/axi/check_block.cmake
if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.16)  # IN_LIST, as the project has it
endif()
include(${CMAKE_CURRENT_LIST_DIR}/../rtl_ports.cmake)

function(vtpu_check_axi_block verilator sources top out_dir option)
  set(rtl_contract "the AXI block's RTL does not meet the bus contract (docs/cosim.md)")
  set(rtl_params_hint "")
  vtpu_rtl_ports(${verilator} "${sources}" ${top} ${out_dir} ${option})
  set(ports ${rtl_ports})
  set(has_slave 0)
  set(has_master 0)
  set(has_ids 0)
  foreach(name ${ports})
    if(name MATCHES "^s_axil_")
      set(has_slave 1)
    elseif(name MATCHES "^m_axi_")
      set(has_master 1)
    endif()
    if(name MATCHES "^m_axi_(aw|b|ar|r)id$")
      set(has_ids 1)
    endif()
  endforeach()
  if(NOT has_slave AND NOT has_master)
    rtl_fails("${option}: ${top} has neither an AXI4-Lite slave (s_axil_*) nor an AXI4 master "
              "(m_axi_*) port")
  endif()
  # Widths the contract leaves to the block: the address pins, the master's
  # data and IDs, taken from one port of each kind and required of the rest.
  set(contract clk:input:1 rst_n:input:1)
  set(optional irq:output:1 busy:output:1)
  set(slave_bits 0)
  if(has_slave)
    set(a 32)
    if(DEFINED rtl_width_s_axil_awaddr)
      set(a ${rtl_width_s_axil_awaddr})
    endif()
    if(a LESS 2 OR a GREATER 32)
      rtl_fails("${option}: ${top}'s port 's_axil_awaddr' is ${a} bits wide, the contract says "
                "2 to 32")
    endif()
    set(slave_bits ${a})
    foreach(pin awvalid:input:1 awready:output:1 awaddr:input:${a} wvalid:input:1
                wready:output:1 wdata:input:32 wstrb:input:4 bvalid:output:1 bready:input:1
                bresp:output:2 arvalid:input:1 arready:output:1 araddr:input:${a}
                rvalid:output:1 rready:input:1 rdata:output:32 rresp:output:2)
      list(APPEND contract s_axil_${pin})
    endforeach()
    list(APPEND optional s_axil_awprot:input:3 s_axil_arprot:input:3)
  endif()
  set(bus_bytes 0)
  if(has_master)
    set(a 64)
    if(DEFINED rtl_width_m_axi_araddr)
      set(a ${rtl_width_m_axi_araddr})
    endif()
    set(d 64)
    if(DEFINED rtl_width_m_axi_rdata)
      set(d ${rtl_width_m_axi_rdata})
    endif()
    if(NOT d MATCHES "^(32|64|128|256|512|1024)$")
      rtl_fails("${option}: ${top}'s port 'm_axi_rdata' is ${d} bits wide, the contract says "
                "32, 64, 128, 256, 512 or 1024")
    endif()
    if(a GREATER 64)
      rtl_fails("${option}: ${top}'s port 'm_axi_araddr' is ${a} bits wide, the contract says "
                "at most 64")
    endif()
    math(EXPR bus_bytes "${d} / 8")
    foreach(pin awaddr:output:${a} awlen:output:8 awsize:output:3 awburst:output:2
                awvalid:output:1 awready:input:1 wdata:output:${d} wstrb:output:${bus_bytes}
                wlast:output:1 wvalid:output:1 wready:input:1 bresp:input:2 bvalid:input:1
                bready:output:1 araddr:output:${a} arlen:output:8 arsize:output:3
                arburst:output:2 arvalid:output:1 arready:input:1 rdata:input:${d} rresp:input:2
                rlast:input:1 rvalid:input:1 rready:output:1)
      list(APPEND contract m_axi_${pin})
    endforeach()
    if(has_ids)
      set(i 1)
      foreach(id awid arid bid rid)
        if(DEFINED rtl_width_m_axi_${id})
          set(i ${rtl_width_m_axi_${id}})
        endif()
      endforeach()
      list(APPEND contract m_axi_awid:output:${i} m_axi_bid:input:${i} m_axi_arid:output:${i}
                           m_axi_rid:input:${i})
    endif()
    foreach(side aw ar)  # accepted and not looked at
      list(APPEND optional m_axi_${side}lock:output:1 m_axi_${side}cache:output:4
                           m_axi_${side}prot:output:3 m_axi_${side}qos:output:4)
    endforeach()
  endif()
  vtpu_rtl_check_pins(${option} ${top} "${contract}" "${optional}" "" "")
  set(AXI_BUS_BYTES ${bus_bytes} PARENT_SCOPE)
  set(AXI_SLAVE_ADDRESS_BITS ${slave_bits} PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)  # run as a script
  vtpu_check_axi_block(${VERILATOR} "${SOURCES}" ${TOP} ${OUT_DIR} VTPU_AXI_RTL)
  message(STATUS "${TOP} meets the bus contract (master bus ${AXI_BUS_BYTES} bytes, "
                 "slave address ${AXI_SLAVE_ADDRESS_BITS} bits)")
endif()
