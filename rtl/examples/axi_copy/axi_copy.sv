// An AXI4 master that copies memory, programmed through an AXI4-Lite slave:
// the example of a bus master co-simulated behind vtpu's AXI bridge
// (docs/cosim.md, "Blocks on the bus"). 64-bit data, 64-bit addresses.
//
// Registers (32 bits, byte offsets):
//   0x00 ID         read-only 0x41584943 ("AXIC")
//   0x08 SRC_LO  0x0c SRC_HI    source bus address
//   0x10 DST_LO  0x14 DST_HI    destination bus address
//   0x18 LEN        bytes to copy
//   0x1c CTRL       bit 1: interrupt on completion (kept); writing bit 0 = 1
//                   starts a copy (ignored while one runs)
//   0x20 STATUS     bit 0 busy, bit 1 done, bit 2 error; write 1 to clear 1, 2
//   0x24 BURSTS     read bursts issued by the last copy
//   0x28 MAX_BEATS  beats per burst, 1..256 (reset 16); others: SLVERR
//   0x2c ERR_LO  0x30 ERR_HI    the address of the burst that failed
// Other offsets answer SLVERR. irq = (done | error) & CTRL bit 1.
//
// A copy needs SRC, DST and LEN multiples of 8 and LEN > 0 (else error at
// once). It runs burst by burst: an INCR read of up to MAX_BEATS beats that
// crosses no 4 KiB boundary of the source or the destination, then the same
// bytes written with one INCR write burst, its AW and W issued together; a
// response other than OKAY stops the copy with the error bit.
module axi_copy (
    input  logic        clk,
    input  logic        rst_n,
    // AXI4-Lite slave: the registers
    input  logic        s_axil_awvalid,
    output logic        s_axil_awready,
    input  logic [ 7:0] s_axil_awaddr,
    input  logic        s_axil_wvalid,
    output logic        s_axil_wready,
    input  logic [31:0] s_axil_wdata,
    input  logic [ 3:0] s_axil_wstrb,
    output logic        s_axil_bvalid,
    input  logic        s_axil_bready,
    output logic [ 1:0] s_axil_bresp,
    input  logic        s_axil_arvalid,
    output logic        s_axil_arready,
    input  logic [ 7:0] s_axil_araddr,
    output logic        s_axil_rvalid,
    input  logic        s_axil_rready,
    output logic [31:0] s_axil_rdata,
    output logic [ 1:0] s_axil_rresp,
    // AXI4 master: the copy
    output logic [ 3:0] m_axi_awid,
    output logic [63:0] m_axi_awaddr,
    output logic [ 7:0] m_axi_awlen,
    output logic [ 2:0] m_axi_awsize,
    output logic [ 1:0] m_axi_awburst,
    output logic        m_axi_awvalid,
    input  logic        m_axi_awready,
    output logic [63:0] m_axi_wdata,
    output logic [ 7:0] m_axi_wstrb,
    output logic        m_axi_wlast,
    output logic        m_axi_wvalid,
    input  logic        m_axi_wready,
    input  logic [ 3:0] m_axi_bid,
    input  logic [ 1:0] m_axi_bresp,
    input  logic        m_axi_bvalid,
    output logic        m_axi_bready,
    output logic [ 3:0] m_axi_arid,
    output logic [63:0] m_axi_araddr,
    output logic [ 7:0] m_axi_arlen,
    output logic [ 2:0] m_axi_arsize,
    output logic [ 1:0] m_axi_arburst,
    output logic        m_axi_arvalid,
    input  logic        m_axi_arready,
    input  logic [ 3:0] m_axi_rid,
    input  logic [63:0] m_axi_rdata,
    input  logic [ 1:0] m_axi_rresp,
    input  logic        m_axi_rlast,
    input  logic        m_axi_rvalid,
    output logic        m_axi_rready,
    output logic        irq,
    output logic        busy
);
  localparam logic [31:0] ID = 32'h4158_4943;
  localparam logic [1:0] OKAY = 2'b00, SLVERR = 2'b10, INCR = 2'b01;
  typedef enum logic [1:0] {
    IDLE,
    READ,
    WRITE,
    RESPONSE
  } state_t;

  state_t state;
  logic [63:0] src, dst, err_addr;
  logic [31:0] len, left, bursts;
  logic [8:0] max_beats, beats, beat;
  logic irq_enable, done, error, ar_taken;
  logic [63:0] data[256];

  // ---- the registers --------------------------------------------------
  wire take_write = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
  wire take_read = s_axil_arvalid && !s_axil_rvalid;
  assign s_axil_awready = take_write;
  assign s_axil_wready = take_write;
  assign s_axil_arready = take_read;
  wire [7:0] waddr = {s_axil_awaddr[7:2], 2'b00};
  wire [7:0] raddr = {s_axil_araddr[7:2], 2'b00};
  // Registers are words: writes take whole words (strobes are not looked at).
  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = &{s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_wstrb, m_axi_bid, m_axi_rid};
  /* verilator lint_on UNUSEDSIGNAL */

  function automatic logic known(input logic [7:0] word);
    return word == 'h00 || (word >= 'h08 && word <= 'h30);
  endfunction

  assign irq = (done || error) && irq_enable;
  assign busy = state != IDLE;

  // ---- the copy ---------------------------------------------------------
  // Beats of the next burst: at most max_beats, what is left, and what
  // reaches the next 4 KiB boundary of the source and of the destination.
  function automatic logic [8:0] next_beats();
    logic [9:0] to_src = 10'h200 - {1'b0, src[11:3]};  // beats, 1..512
    logic [9:0] to_dst = 10'h200 - {1'b0, dst[11:3]};
    logic [31:0] n = {23'b0, max_beats};
    if ({3'b0, left[31:3]} < n) n = {3'b0, left[31:3]};
    if ({22'b0, to_src} < n) n = {22'b0, to_src};
    if ({22'b0, to_dst} < n) n = {22'b0, to_dst};
    return n[8:0];
  endfunction

  assign m_axi_arid = 0;
  assign m_axi_awid = 0;
  assign m_axi_arsize = 3'd3;  // 8 bytes a beat
  assign m_axi_awsize = 3'd3;
  assign m_axi_arburst = INCR;
  assign m_axi_awburst = INCR;
  assign m_axi_araddr = src;
  assign m_axi_awaddr = dst;
  assign m_axi_arlen = beats[7:0] - 8'd1;  // 256 beats: 0 - 1 = 255
  assign m_axi_awlen = beats[7:0] - 8'd1;
  assign m_axi_wstrb = 8'hff;
  assign m_axi_wdata = data[beat[7:0]];
  assign m_axi_wlast = beat + 9'd1 == beats;
  assign m_axi_rready = state == READ && ar_taken;  // after the AR was taken
  assign m_axi_bready = state == RESPONSE;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state <= IDLE;
      src <= 0;
      dst <= 0;
      len <= 0;
      left <= 0;
      bursts <= 0;
      err_addr <= 0;
      max_beats <= 16;
      beats <= 1;
      beat <= 0;
      irq_enable <= 0;
      done <= 0;
      error <= 0;
      ar_taken <= 0;
      m_axi_arvalid <= 0;
      m_axi_awvalid <= 0;
      m_axi_wvalid <= 0;
      s_axil_bvalid <= 0;
      s_axil_bresp <= OKAY;
      s_axil_rvalid <= 0;
      s_axil_rresp <= OKAY;
      s_axil_rdata <= 0;
    end else begin
      // Registers.
      if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 0;
      if (s_axil_rvalid && s_axil_rready) s_axil_rvalid <= 0;
      if (take_write) begin
        s_axil_bvalid <= 1;
        s_axil_bresp  <= known(waddr) && waddr != 'h00 && waddr != 'h24 ? OKAY : SLVERR;
        case (waddr)
          'h08: src[31:0] <= s_axil_wdata;
          'h0c: src[63:32] <= s_axil_wdata;
          'h10: dst[31:0] <= s_axil_wdata;
          'h14: dst[63:32] <= s_axil_wdata;
          'h18: len <= s_axil_wdata;
          'h1c: begin
            irq_enable <= s_axil_wdata[1];
            if (s_axil_wdata[0] && state == IDLE) begin
              done <= 0;
              error <= 0;
              bursts <= 0;
              left <= len;
              if (len == 0 || len[2:0] != 0 || src[2:0] != 0 || dst[2:0] != 0) begin
                error <= 1;
                err_addr <= src;
              end else begin
                state <= READ;
                ar_taken <= 0;
              end
            end
          end
          'h20: begin
            if (s_axil_wdata[1]) done <= 0;
            if (s_axil_wdata[2]) error <= 0;
          end
          'h28:
          if (s_axil_wdata >= 1 && s_axil_wdata <= 256) max_beats <= s_axil_wdata[8:0];
          else s_axil_bresp <= SLVERR;
          default: ;
        endcase
      end
      if (take_read) begin
        s_axil_rvalid <= 1;
        s_axil_rresp  <= known(raddr) ? OKAY : SLVERR;
        case (raddr)
          'h00: s_axil_rdata <= ID;
          'h08: s_axil_rdata <= src[31:0];
          'h0c: s_axil_rdata <= src[63:32];
          'h10: s_axil_rdata <= dst[31:0];
          'h14: s_axil_rdata <= dst[63:32];
          'h18: s_axil_rdata <= len;
          'h1c: s_axil_rdata <= {30'b0, irq_enable, 1'b0};
          'h20: s_axil_rdata <= {29'b0, error, done, state != IDLE};
          'h24: s_axil_rdata <= bursts;
          'h28: s_axil_rdata <= {23'b0, max_beats};
          'h2c: s_axil_rdata <= err_addr[31:0];
          'h30: s_axil_rdata <= err_addr[63:32];
          default: s_axil_rdata <= 0;
        endcase
      end

      // The copy, burst by burst.
      case (state)
        READ:
        if (!ar_taken && !m_axi_arvalid) begin  // issue the read burst
          beats <= next_beats();
          beat <= 0;
          m_axi_arvalid <= 1;
        end else if (m_axi_arvalid) begin
          if (m_axi_arready) begin
            m_axi_arvalid <= 0;
            ar_taken <= 1;  // from here: the R beats
            bursts <= bursts + 1;
          end
        end else if (m_axi_rvalid) begin
          data[beat[7:0]] <= m_axi_rdata;
          beat <= beat + 1;
          if (m_axi_rresp != OKAY) error <= 1;
          if (m_axi_rlast) begin
            beat <= 0;
            ar_taken <= 0;
            if (m_axi_rresp != OKAY || error) begin
              err_addr <= src;
              error <= 1;
              state <= IDLE;
            end else begin
              state <= WRITE;
              m_axi_awvalid <= 1;
              m_axi_wvalid <= 1;
            end
          end
        end
        WRITE: begin
          if (m_axi_awvalid && m_axi_awready) m_axi_awvalid <= 0;
          if (m_axi_wvalid && m_axi_wready) begin
            beat <= beat + 1;
            if (m_axi_wlast) begin
              m_axi_wvalid <= 0;
              state <= RESPONSE;
            end
          end
        end
        RESPONSE:
        if (m_axi_awvalid) begin
          if (m_axi_awready) m_axi_awvalid <= 0;
        end else if (m_axi_bvalid) begin
          if (m_axi_bresp != OKAY) begin
            err_addr <= dst;
            error <= 1;
            state <= IDLE;
          end else begin
            src <= src + {52'b0, beats, 3'b0};
            dst <= dst + {52'b0, beats, 3'b0};
            left <= left - {20'b0, beats, 3'b0};
            if (left == {20'b0, beats, 3'b0}) begin
              done <= 1;
              state <= IDLE;
            end else state <= READ;
          end
        end
        default: ;
      endcase
    end
  end
endmodule
