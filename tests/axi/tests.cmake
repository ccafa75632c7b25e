# Blocks on the bus (docs/cosim.md, "Blocks on the bus"): the example RTL
# blocks behind the AXI bridge, driven by firmware, at two placements.
set(AXI_DIR ${CMAKE_CURRENT_SOURCE_DIR}/axi)
foreach(placement blocks blocks_moved)
  vtpu_run_test(axi.regs_${placement} EXIT 0
    STDOUT "PASS axi_regs: read [0-9]+ cycles \\(sim-control's: [0-9]+\\), write [0-9]+ cycles, interrupt after [0-9]+ cycles\n$"
    ARGS firmware ${FW}/axi/axi_regs.elf --config ${AXI_DIR}/${placement}.textproto
         --max-time 10ms)
  vtpu_run_test(axi.copy_${placement} EXIT 0 STDOUT "PASS axi_copy: 64 KiB in [0-9]+ cycles [^\n]*\n$"
    ARGS firmware ${FW}/axi/axi_copy.elf --config ${AXI_DIR}/${placement}.textproto
         --max-time 50ms)
endforeach()
# Configs the SoC refuses, one line naming the field.
foreach(bad "unknown_rtl|axi_blocks\\[0\\]\\.rtl: no AXI block 'nope' in this build \\(built: axi_regs, axi_copy"
            "too_large|axi_blocks\\[0\\]\\.size: 4096 bytes, more than the 256 that axi_copy's slave address pins reach"
            "overlap|axi_blocks\\[0\\]: region overlaps address_map\\.uart"
            "taken_irq|axi_blocks\\[0\\]\\.irq: 9 is not a free PLIC source"
            "no_size|axi_blocks\\[0\\]\\.size: 'axi_regs' has an AXI4-Lite slave: give its region's size"
            "same_name|axi_blocks\\[1\\]\\.name: 'axi_regs' names another block too"
            "unwritable_vcd|axi_blocks\\[0\\]\\.vcd: cannot write '/nonexistent/axi_regs\\.vcd'")
  string(REPLACE "|" ";" bad "${bad}")
  list(GET bad 0 file)
  list(GET bad 1 message)
  vtpu_run_test(axi.refuses_${file} EXIT 2 STDERR "^vtpu: ${message}[^\n]*\n$"
    ARGS firmware ${FW}/axi/axi_regs.elf --config ${AXI_DIR}/bad/${file}.textproto)
endforeach()
# Every burst kind from a test master, and the bursts AXI4 forbids (exit 6).
vtpu_run_test(axi.bursts EXIT 0 STDOUT "PASS axi_probe: 13 bursts written and read back\n$"
  ARGS firmware ${FW}/axi/axi_probe.elf --config ${AXI_DIR}/probe.textproto --max-time 10ms)
vtpu_run_test(axi.refuses_burst_across_4k EXIT 6
  STDERR "^vtpu: [^\n]*axi_probe_4k.elf: AXI block 'axi_probe': write burst: an INCR burst of 3 x 8 bytes at 0x[0-9a-f]+ff8 crosses a 4 KiB boundary\n$"
  ARGS firmware ${FW}/axi/axi_probe_4k.elf --config ${AXI_DIR}/probe.textproto --max-time 10ms)
vtpu_run_test(axi.refuses_early_wlast EXIT 6
  STDERR "^vtpu: [^\n]*axi_probe_wlast.elf: AXI block 'axi_probe': WLAST high on beat 2 of a 3-beat write burst\n$"
  ARGS firmware ${FW}/axi/axi_probe_wlast.elf --config ${AXI_DIR}/probe.textproto --max-time 10ms)
