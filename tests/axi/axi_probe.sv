// A test master for the AXI bridge (tests/axi/axi_probe.c): firmware sets up
// one burst of any kind AXI4 has (INCR, WRAP, FIXED; narrow or unaligned
// beats; any strobes) through the AXI4-Lite registers, and the block issues
// it on its AXI4 master, 64-bit data. Not an example: it does what it is told,
// including a WLAST on the wrong beat.
//
// Registers (32 bits):
//   0x00 ID      read-only 0x41584950 ("AXIP")
//   0x04 CMD     write 1: a read burst into BUF; 2: a write burst from BUF
//                (with STRB); bit 2 set with 2: WLAST one beat early
//   0x08 STATUS  bit 0 busy; bits 2:1 the last response (RRESP of the last
//                beat that was not OKAY, or BRESP); bit 3 RLAST came on the
//                last beat
//   0x0c ADDR_LO 0x10 ADDR_HI   AxADDR
//   0x14 LEN     AxLEN (beats - 1, at most 31)
//   0x18 SIZE    AxSIZE (0..3)
//   0x1c BURST   AxBURST
//   0x20 BEATS   R beats taken by the last read
//   0x80-0x9c    STRB: beat n's WSTRB in byte n
//   0x100-0x1fc  BUF: beat n's data in words 2n (low) and 2n + 1 (high)
module axi_probe (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        s_axil_awvalid,
    output logic        s_axil_awready,
    input  logic [ 8:0] s_axil_awaddr,
    input  logic        s_axil_wvalid,
    output logic        s_axil_wready,
    input  logic [31:0] s_axil_wdata,
    input  logic [ 3:0] s_axil_wstrb,
    output logic        s_axil_bvalid,
    input  logic        s_axil_bready,
    output logic [ 1:0] s_axil_bresp,
    input  logic        s_axil_arvalid,
    output logic        s_axil_arready,
    input  logic [ 8:0] s_axil_araddr,
    output logic        s_axil_rvalid,
    input  logic        s_axil_rready,
    output logic [31:0] s_axil_rdata,
    output logic [ 1:0] s_axil_rresp,
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
    output logic        busy
);
  typedef enum logic [2:0] {
    IDLE,
    READ_ADDRESS,
    READ_DATA,
    WRITE,
    RESPONSE
  } state_t;
  state_t state;
  logic [63:0] address;
  logic [4:0] len, beat;
  logic [2:0] size;
  logic [1:0] burst, resp;
  logic early, rlast_ok;
  logic [5:0] beats;
  logic [63:0] data[32];
  logic [7:0] strb[32];

  wire take_write = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
  wire take_read = s_axil_arvalid && !s_axil_rvalid;
  assign s_axil_awready = take_write;
  assign s_axil_wready = take_write;
  assign s_axil_arready = take_read;
  wire [8:0] wa = {s_axil_awaddr[8:2], 2'b00};
  wire [8:0] ra = {s_axil_araddr[8:2], 2'b00};
  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = &{s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_wstrb, m_axi_bid, m_axi_rid};
  /* verilator lint_on UNUSEDSIGNAL */

  assign busy = state != IDLE;
  assign m_axi_arid = 4'd5;
  assign m_axi_awid = 4'd9;
  assign m_axi_araddr = address;
  assign m_axi_awaddr = address;
  assign m_axi_arlen = {3'b0, len};
  assign m_axi_awlen = {3'b0, len};
  assign m_axi_arsize = size;
  assign m_axi_awsize = size;
  assign m_axi_arburst = burst;
  assign m_axi_awburst = burst;
  assign m_axi_arvalid = state == READ_ADDRESS;
  assign m_axi_rready = state == READ_DATA;
  assign m_axi_wdata = data[beat];
  assign m_axi_wstrb = strb[beat];
  assign m_axi_wlast = early ? beat + 5'd1 == len : beat == len;
  assign m_axi_bready = state == RESPONSE;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state <= IDLE;
      address <= 0;
      len <= 0;
      size <= 3;
      burst <= 1;
      resp <= 0;
      early <= 0;
      rlast_ok <= 0;
      beats <= 0;
      beat <= 0;
      m_axi_awvalid <= 0;
      m_axi_wvalid <= 0;
      s_axil_bvalid <= 0;
      s_axil_bresp <= 0;
      s_axil_rvalid <= 0;
      s_axil_rresp <= 0;
      s_axil_rdata <= 0;
    end else begin
      if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 0;
      if (s_axil_rvalid && s_axil_rready) s_axil_rvalid <= 0;
      if (take_write) begin
        s_axil_bvalid <= 1;
        s_axil_bresp  <= 0;
        if (wa >= 'h100) begin
          if (wa[2]) data[wa[7:3]][63:32] <= s_axil_wdata;
          else data[wa[7:3]][31:0] <= s_axil_wdata;
        end else if (wa >= 'h80 && wa < 'ha0) begin
          strb[{wa[4:2], 2'd0}] <= s_axil_wdata[7:0];
          strb[{wa[4:2], 2'd1}] <= s_axil_wdata[15:8];
          strb[{wa[4:2], 2'd2}] <= s_axil_wdata[23:16];
          strb[{wa[4:2], 2'd3}] <= s_axil_wdata[31:24];
        end else
          case (wa)
            'h04:
            if (state == IDLE) begin
              beat  <= 0;
              beats <= 0;
              resp  <= 0;
              rlast_ok <= 0;
              early <= s_axil_wdata[2];
              if (s_axil_wdata[1:0] == 1) state <= READ_ADDRESS;
              if (s_axil_wdata[1:0] == 2) begin
                state <= WRITE;
                m_axi_awvalid <= 1;
                m_axi_wvalid <= 1;
              end
            end
            'h0c: address[31:0] <= s_axil_wdata;
            'h10: address[63:32] <= s_axil_wdata;
            'h14: len <= s_axil_wdata[4:0];
            'h18: size <= s_axil_wdata[2:0];
            'h1c: burst <= s_axil_wdata[1:0];
            default: s_axil_bresp <= 2'b10;
          endcase
      end
      if (take_read) begin
        s_axil_rvalid <= 1;
        s_axil_rresp  <= 0;
        if (ra >= 'h100) s_axil_rdata <= ra[2] ? data[ra[7:3]][63:32] : data[ra[7:3]][31:0];
        else if (ra >= 'h80 && ra < 'ha0)
          s_axil_rdata <= {
            strb[{ra[4:2], 2'd3}], strb[{ra[4:2], 2'd2}], strb[{ra[4:2], 2'd1}], strb[{ra[4:2], 2'd0}]
          };
        else
          case (ra)
            'h00: s_axil_rdata <= 32'h4158_4950;
            'h08: s_axil_rdata <= {28'b0, rlast_ok, resp, state != IDLE};
            'h0c: s_axil_rdata <= address[31:0];
            'h10: s_axil_rdata <= address[63:32];
            'h14: s_axil_rdata <= {27'b0, len};
            'h18: s_axil_rdata <= {29'b0, size};
            'h1c: s_axil_rdata <= {30'b0, burst};
            'h20: s_axil_rdata <= {26'b0, beats};
            default: s_axil_rresp <= 2'b10;
          endcase
      end

      case (state)
        READ_ADDRESS: if (m_axi_arready) state <= READ_DATA;
        READ_DATA:
        if (m_axi_rvalid) begin
          data[beat] <= m_axi_rdata;
          beat <= beat + 1;
          beats <= beats + 1;
          if (m_axi_rresp != 0) resp <= m_axi_rresp;
          if (m_axi_rlast) begin
            rlast_ok <= beat == len;
            state <= IDLE;
          end
        end
        WRITE: begin
          if (m_axi_awvalid && m_axi_awready) m_axi_awvalid <= 0;
          if (m_axi_wvalid && m_axi_wready) begin
            if (m_axi_wlast) begin
              m_axi_wvalid <= 0;
              state <= RESPONSE;
            end else beat <= beat + 1;
          end
        end
        RESPONSE:
        if (m_axi_awvalid) begin
          if (m_axi_awready) m_axi_awvalid <= 0;
        end else if (m_axi_bvalid) begin
          resp  <= m_axi_bresp;
          state <= IDLE;
        end
        default: ;
      endcase
    end
  end
endmodule
