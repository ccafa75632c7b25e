// An AXI4-Lite register block with an interrupt: the example of a bus slave
// co-simulated behind vtpu's AXI bridge (docs/cosim.md, "Blocks on the bus").
//
// Registers (32 bits, byte offsets; byte strobes honoured on writes):
//   0x00 ID          read-only 0x41584952 ("AXIR")
//   0x04 SCRATCH     read/write
//   0x08 WRITES      read-only: writes accepted since reset (any offset)
//   0x0c TIMER       write N: counts down one a clock from N; read: what is left.
//                    On reaching 0 it sets IRQ_STATUS.fired.
//   0x10 IRQ_STATUS  bit 0 fired; write 1 to clear
//   0x14 IRQ_ENABLE  bit 0: irq = fired & enable
//   0x20-0x3c REG[8] read/write
// Any other offset answers SLVERR (reads return 0; writes change nothing).
//
// Handshakes: AW and W are taken together, in the cycle both are valid and
// no write response is waiting; B follows one cycle later. AR is taken when
// no read response is waiting; R follows one cycle later. `busy` is high
// while the timer runs: with busy low and the bus idle, a clock edge changes
// nothing, so the bridge may stop clocking the block (docs/cosim.md).
module axi_regs #(
    parameter int ADDR_BITS = 12
) (
    input  logic                 clk,
    input  logic                 rst_n,
    // AXI4-Lite slave
    input  logic                 s_axil_awvalid,
    output logic                 s_axil_awready,
    input  logic [ADDR_BITS-1:0] s_axil_awaddr,
    input  logic                 s_axil_wvalid,
    output logic                 s_axil_wready,
    input  logic [         31:0] s_axil_wdata,
    input  logic [          3:0] s_axil_wstrb,
    output logic                 s_axil_bvalid,
    input  logic                 s_axil_bready,
    output logic [          1:0] s_axil_bresp,
    input  logic                 s_axil_arvalid,
    output logic                 s_axil_arready,
    input  logic [ADDR_BITS-1:0] s_axil_araddr,
    output logic                 s_axil_rvalid,
    input  logic                 s_axil_rready,
    output logic [         31:0] s_axil_rdata,
    output logic [          1:0] s_axil_rresp,
    output logic                 irq,
    output logic                 busy
);
  localparam logic [31:0] ID = 32'h4158_4952;
  localparam logic [1:0] OKAY = 2'b00, SLVERR = 2'b10;

  logic [31:0] scratch, writes, timer, regs[8];
  logic fired, enable;

  // Offset decode: which register a word offset names.
  function automatic logic known(input logic [ADDR_BITS-1:0] word);
    return word <= 'h14 || (word >= 'h20 && word <= 'h3c);
  endfunction

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] data,
                                        input logic [3:0] strb);
    logic [31:0] v = old;
    for (int b = 0; b < 4; b++) if (strb[b]) v[8*b+:8] = data[8*b+:8];
    return v;
  endfunction

  wire take_write = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
  wire take_read = s_axil_arvalid && !s_axil_rvalid;
  assign s_axil_awready = take_write;
  assign s_axil_wready = take_write;
  assign s_axil_arready = take_read;
  assign irq = fired && enable;
  assign busy = timer != 0;

  wire [ADDR_BITS-1:0] waddr = {s_axil_awaddr[ADDR_BITS-1:2], 2'b00};
  wire [ADDR_BITS-1:0] raddr = {s_axil_araddr[ADDR_BITS-1:2], 2'b00};
  // Registers are words: the byte lanes come from the strobes.
  /* verilator lint_off UNUSEDSIGNAL */
  wire unused_low_bits = &{s_axil_awaddr[1:0], s_axil_araddr[1:0]};
  /* verilator lint_on UNUSEDSIGNAL */

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      scratch <= 0;
      writes <= 0;
      timer <= 0;
      fired <= 0;
      enable <= 0;
      for (int i = 0; i < 8; i++) regs[i] <= 0;
      s_axil_bvalid <= 0;
      s_axil_bresp <= OKAY;
      s_axil_rvalid <= 0;
      s_axil_rresp <= OKAY;
      s_axil_rdata <= 0;
    end else begin
      if (timer != 0) begin
        timer <= timer - 1;
        if (timer == 1) fired <= 1;
      end
      if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 0;
      if (s_axil_rvalid && s_axil_rready) s_axil_rvalid <= 0;
      if (take_write) begin
        writes <= writes + 1;
        s_axil_bvalid <= 1;
        s_axil_bresp <= known(waddr) ? OKAY : SLVERR;
        case (waddr)
          'h04: scratch <= merge(scratch, s_axil_wdata, s_axil_wstrb);
          'h0c: timer <= merge(timer, s_axil_wdata, s_axil_wstrb);
          'h10: if (s_axil_wstrb[0] && s_axil_wdata[0]) fired <= 0;
          'h14: if (s_axil_wstrb[0]) enable <= s_axil_wdata[0];
          default:
          if (waddr >= 'h20 && waddr <= 'h3c)
            regs[waddr[4:2]] <= merge(regs[waddr[4:2]], s_axil_wdata, s_axil_wstrb);
        endcase
      end
      if (take_read) begin
        s_axil_rvalid <= 1;
        s_axil_rresp  <= known(raddr) ? OKAY : SLVERR;
        case (raddr)
          'h00: s_axil_rdata <= ID;
          'h04: s_axil_rdata <= scratch;
          'h08: s_axil_rdata <= writes;
          'h0c: s_axil_rdata <= timer;
          'h10: s_axil_rdata <= {31'b0, fired};
          'h14: s_axil_rdata <= {31'b0, enable};
          default:
          s_axil_rdata <= raddr >= 'h20 && raddr <= 'h3c ? regs[raddr[4:2]] : 32'b0;
        endcase
      end
    end
  end
endmodule
