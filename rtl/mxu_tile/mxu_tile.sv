// A weight-stationary systolic MXU tile: R x C processing elements, int8 x
// int8 -> int32, or bf16 x bf16 -> fp32 when `bf16` is high (mxu_fp.sv has
// the arithmetic; rtl/mxu_tile/README.md the pin contract), and, built with
// MXU_TILE_SPARSE, 2:4 sparse int8 when `sparse` is high.
//
// Weights: R beats of one row of C weights each fill one of two banks while
// the other serves the fold streaming, so the next fold's weights load behind
// the current fold.
// Activations: one row of R values per beat (a_last on a fold's last row);
// row r of the array sees element r delayed by r cycles (skew), each value
// flows right, partial sums flow down. Every activation wave carries its
// fold's bank, so folds follow each other with no drain in between.
// Results: one row of C sums per beat, de-skewed. c_ready low stalls the
// whole array.
//
// The delay lines are written as histories: the skew, the activations
// flowing right, the weight skew and the de-skew are each a shift register
// whose stage s holds what entered s cycles ago, so each is kept as one
// circular buffer, written once per cycle, and a stage reads the entry of
// its age. The partial sums are registers per PE, updated in place from the
// bottom row up. Lanes enter as 32-bit operand words (int8 sign-extended at
// the edge), so a PE multiplies two words. This is the same machine as a
// chain of per-PE registers, cycle for cycle, with a fraction of the signals
// toggling every cycle (README.md, "Inside").
module mxu_tile #(
    parameter int R = 8,
    parameter int C = 8,
    // Test only: force bit FAULT_BIT of PE (0, 0)'s partial sum to 1 (-1: no fault).
    parameter int FAULT_BIT = -1
) (
    input logic clk,
    input logic rst_n,
    // 1: the lanes are bf16 and the sums fp32; 0: int8 in each lane's low
    // byte, int32 sums. Changed only while the tile is empty; taken at the
    // next clock edge.
    input logic bf16,
`ifdef MXU_TILE_SPARSE
    // 1: 2:4 sparse, int8 (docs/mxu.md, "2:4 sparsity"): weight row r of a
    // fold is a kept weight of group r/2, w_pos its row in that group of four
    // rows of K, and an activation beat carries 2R elements (a_data, then
    // a_hi): PE (r, c) multiplies element 4 (r/2) + its position. Changed
    // only while the tile is empty, like bf16. A build option (defined
    // MXU_TILE_SPARSE): the selection in every PE slows the Verilated model's
    // dense MATMULs too, so dense-only builds leave these pins out.
    input logic            sparse,
    input logic [ C*2-1:0] w_pos,  // column c's position in bits [2c+1:2c]
    input logic [R*16-1:0] a_hi,   // row element R + r in bits [16r+15:16r]
`endif

    input  logic            w_valid,
    output logic            w_ready,
    input  logic [C*16-1:0] w_data,   // column c in bits [16c+15:16c]

    input  logic            a_valid,
    output logic            a_ready,
    input  logic [R*16-1:0] a_data,   // row element r in bits [16r+15:16r]
    input  logic            a_last,

    output logic            c_valid,
    input  logic            c_ready,
    output logic [C*32-1:0] c_data   // column c in bits [32c+31:32c]: int32 or fp32
);
`ifdef MXU_TILE_SPARSE
  localparam bit Sparse = 1'b1;
`else
  localparam bit Sparse = 1'b0;
  wire sparse = 1'b0;
  wire [C*2-1:0] w_pos = '0;
  wire [R*16-1:0] a_hi = '0;
`endif

  // ---- weight banks: PE (r, c)'s two weights, w_bank[r][c][bank] -------------
  logic [31:0] w_bank[R][C][2];
  logic [1:0] pos_bank[R][C][2];  // sparse: each weight's row in its group
  // full: all R rows of the bank's fold sent; cleared when the fold's last
  // activation row goes in (its rows still in the array have passed the
  // columns the next weights reach first: see the weight skew below).
  logic [1:0] bank_full;
  logic load_bank, in_bank;
  localparam int RowBits = R > 1 ? $clog2(R) : 1;
  localparam logic [RowBits-1:0] LastRow = RowBits'(R - 1);
  logic [RowBits-1:0] load_row;

  logic en;  // the array advances (no output waiting)
  assign w_ready = en && !bank_full[load_bank];
  assign a_ready = en && bank_full[in_bank];
  wire w_fire = w_valid && w_ready;
  wire a_fire = a_valid && a_ready;

  // ---- histories: entry `now` is the beat the last clock edge took ----------
  // Activations (one history per row): the skew's stage s of row r, and PE
  // (r, c)'s activation register, hold row r's entry of age s and r + c + 1.
  // The result of a row's wave leaves the array R + C + 1 edges after its
  // beat and the output register one edge later (age R + C + 1).
  localparam int Ages = R + C + 2;
  localparam int HistBits = $clog2(Ages);
  typedef logic [HistBits-1:0] slot_t;
  slot_t now;
  logic [31:0] a_hist[R][2**HistBits];
  // Sparse: group g's four elements (4g .. 4g + 3 of the beat's 2R), the
  // history rows 2g and 2g + 1 read at their own ages.
  localparam int Groups = (R + 1) / 2;
  logic [31:0] quad_hist[Groups][2**HistBits][4];
  logic [31:0] quad_in[Groups][4];
  logic [2**HistBits-1:0] a_hist_valid;
  logic a_hist_bank[2**HistBits];
  // Weights: the weight skew's stage s is the weight beat of age s; column c
  // of a beat is written into its bank from stage c.
  logic [31:0] w_hist[2**HistBits][C];
  logic [C*2-1:0] pos_hist[2**HistBits];  // w_pos as it came
  logic [2**HistBits-1:0] w_hist_valid, w_hist_bank;
  logic [RowBits-1:0] w_hist_row[2**HistBits];
  // The bottom row's sums: column c of the result is the sum of age C - 1 - c
  // (the de-skew).
  logic signed [31:0] bottom_hist[2**HistBits][C];

  // ---- the array --------------------------------------------------------------
  logic [31:0] psum[R][C];
  logic [31:0] a_in[R], w_in[C];  // the lanes as operand words
  logic out_valid;
  logic mode_bf16;  // bf16, registered
  logic mode_sparse;  // sparse, registered

  // The output register holds row m once every column is there.
  assign c_valid = out_valid;
  assign en = !(out_valid && !c_ready);

  // An operand word: a bf16 lane as it is, an int8 lane's low byte
  // sign-extended to 32 bits (in the mode the beat enters with: `bf16` changes
  // only while the tile is empty).
  always_comb for (int r = 0; r < R; r++)
    a_in[r] = bf16 ? {16'h0, a_data[16*r+:16]} : 32'(signed'(a_data[16*r+:8]));
  always_comb for (int c = 0; c < C; c++)
    w_in[c] = bf16 ? {16'h0, w_data[16*c+:16]} : 32'(signed'(w_data[16*c+:8]));
  // Sparse (int8): element e of the 2R-element beat, zero past it.
  always_comb
    for (int g = 0; g < Groups; g++)
      for (int p = 0; p < 4; p++) begin
        quad_in[g][p] = '0;
        if (4 * g + p < R) quad_in[g][p] = 32'(signed'(a_data[16*(4*g+p)+:8]));
        else if (4 * g + p < 2 * R) quad_in[g][p] = 32'(signed'(a_hi[16*(4*g+p-R)+:8]));
      end

  // PE (r, c) adds its product to the sum from above; its activation is the
  // wave of age r + c + 1 and that wave's bank selects the weight. int8: the
  // product of the operand words, 32-bit two's complement. bf16: the product
  // rounded to fp32, then the fp32 sum (row 0 adds to +0). The sums are
  // updated in place, bottom row first, so that each row reads the sum above
  // it before that row is updated: blocking assignments, all in this one
  // process, are this edge's register transfers (and the bottom row's sums
  // go into their history before any of it).
  /* verilator lint_off BLKSEQ */
  always_ff @(posedge clk)
    if (en) begin
      bottom_hist[now+1'b1] <= psum[R-1];
      if (mode_bf16) begin
        for (int r = R - 1; r >= 0; r--)
          for (int c = 0; c < C; c++)
            psum[r][c] = mxu_fp::add_f32(
                r == 0 ? 32'h0 : psum[r == 0 ? 0 : r-1][c],
                mxu_fp::mul_bf16(a_hist[r][now - slot_t'(r + c + 1)][15:0],
                                 w_bank[r][c][a_hist_bank[now - slot_t'(r + c + 1)]][15:0]));
      end else if (Sparse && mode_sparse) begin
        for (int r = R - 1; r >= 0; r--)
          for (int c = 0; c < C; c++)
            psum[r][c] = (r == 0 ? 32'h0 : psum[r == 0 ? 0 : r-1][c]) +
                         quad_hist[r/2][now - slot_t'(r + c + 1)]
                                  [pos_bank[r][c][a_hist_bank[now - slot_t'(r + c + 1)]]] *
                         w_bank[r][c][a_hist_bank[now - slot_t'(r + c + 1)]];
      end else begin
        for (int r = R - 1; r >= 0; r--)
          for (int c = 0; c < C; c++)
            psum[r][c] = (r == 0 ? 32'h0 : psum[r == 0 ? 0 : r-1][c]) +
                         a_hist[r][now - slot_t'(r + c + 1)] *
                         w_bank[r][c][a_hist_bank[now - slot_t'(r + c + 1)]];
      end
      // The injected fault, if any: a stuck-at-1 bit of PE (0, 0)'s sum.
      if (FAULT_BIT >= 0 && FAULT_BIT < 32) psum[0][0][FAULT_BIT%32] = 1'b1;
    end
  /* verilator lint_on BLKSEQ */

  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) begin
      mode_bf16 <= 1'b0;
      mode_sparse <= 1'b0;
    end else begin
      mode_bf16 <= bf16;
      mode_sparse <= sparse;
    end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      bank_full <= '0;
      load_bank <= 1'b0;
      in_bank <= 1'b0;
      load_row <= '0;
      now <= '0;
      a_hist_valid <= '0;
      w_hist_valid <= '0;
      out_valid <= 1'b0;
    end else if (en) begin
      if (w_fire) begin
        if (load_row == LastRow) begin
          bank_full[load_bank] <= 1'b1;
          load_bank <= !load_bank;
          load_row <= '0;
        end else begin
          load_row <= load_row + 1'b1;
        end
      end
      if (a_fire && a_last) begin
        bank_full[in_bank] <= 1'b0;
        in_bank <= !in_bank;
      end
      // This edge's beats become age 0.
      now <= now + 1'b1;
      a_hist_valid[now+1'b1] <= a_fire;
      a_hist_bank[now+1'b1] <= in_bank;
      w_hist[now+1'b1] <= w_in;
      if (Sparse) pos_hist[now+1'b1] <= w_pos;
      w_hist_valid[now+1'b1] <= w_fire;
      w_hist_bank[now+1'b1] <= load_bank;
      w_hist_row[now+1'b1] <= load_row;
      out_valid <= a_hist_valid[now-slot_t'(R+C)];
    end
  end

  // Column c writes its weight from the beat of age c; result column c is the
  // bottom row's sum of age C - 1 - c.
  for (genvar r = 0; r < R; r++) begin : g_row
    always_ff @(posedge clk) if (en) a_hist[r][now+1'b1] <= a_in[r];
  end
  for (genvar g = 0; g < Groups; g++) begin : g_group
    always_ff @(posedge clk) if (Sparse && en && sparse) quad_hist[g][now+1'b1] <= quad_in[g];
  end

  for (genvar c = 0; c < C; c++) begin : g_column
    wire slot_t weight = now - slot_t'(c), result = now - slot_t'(C - 1 - c);
    always_ff @(posedge clk)
      if (en && w_hist_valid[weight]) begin
        w_bank[w_hist_row[weight]][c][w_hist_bank[weight]] <= w_hist[weight][c];
        if (Sparse)
          pos_bank[w_hist_row[weight]][c][w_hist_bank[weight]] <= pos_hist[weight][2*c+:2];
      end
    assign c_data[32*c+:32] = bottom_hist[result][c];
  end

endmodule
