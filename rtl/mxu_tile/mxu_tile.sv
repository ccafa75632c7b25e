// A weight-stationary systolic MXU tile: R x C int8 x int8 -> int32 processing
// elements (rtl/mxu_tile/README.md has the pin contract).
//
// Weights: R beats of one row of C int8 weights each fill one of two banks
// while the other serves the fold streaming, so the next fold's weights load
// behind the current fold.
// Activations: one row of R int8 values per beat (a_last on a fold's last
// row); row r of the array sees element r delayed by r cycles (skew), each
// value flows right, partial sums flow down. Every activation wave carries
// its fold's bank, so folds follow each other with no drain in between.
// Results: one row of C int32 sums per beat, de-skewed. c_ready low stalls
// the whole array.
module mxu_tile #(
    parameter int R = 8,
    parameter int C = 8,
    // Test only: force bit FAULT_BIT of PE (0, 0)'s partial sum to 1 (-1: no fault).
    parameter int FAULT_BIT = -1
) (
    input logic clk,
    input logic rst_n,

    input  logic           w_valid,
    output logic           w_ready,
    input  logic [C*8-1:0] w_data,   // column c in bits [8c+7:8c]

    input  logic           a_valid,
    output logic           a_ready,
    input  logic [R*8-1:0] a_data,   // row element r in bits [8r+7:8r]
    input  logic           a_last,

    output logic            c_valid,
    input  logic            c_ready,
    output logic [C*32-1:0] c_data   // column c in bits [32c+31:32c]
);
  // ---- weight banks ---------------------------------------------------------
  logic signed [7:0] w_bank[2][R][C];
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

  // ---- weight skew: column c of a weight row is written c + 1 cycles late, so
  // a bank's weights change column by column just behind its fold's last
  // activation row, which moves one column right per cycle.
  logic signed [7:0] wsk_data[C][C];
  logic wsk_valid[C], wsk_bank[C];
  logic [RowBits-1:0] wsk_row[C];

  // ---- skew: row r's element waits r cycles -----------------------------------
  logic signed [7:0] skew_data[R][R];
  logic skew_valid[R][R], skew_bank[R][R];

  // ---- the array --------------------------------------------------------------
  logic signed [7:0] act[R][C];
  logic act_valid[R][C], act_bank[R][C];
  logic signed [31:0] psum[R][C];
  logic psum_valid[R][C];

  // ---- de-skew: column c waits C - 1 - c cycles -------------------------------
  logic signed [31:0] deskew[C][C];
  logic out_valid;

  // The injected fault, if any: a stuck-at-1 bit of PE (0, 0)'s sum.
  function automatic logic signed [31:0] stuck(int r, int c, logic signed [31:0] v);
    if (FAULT_BIT >= 0 && FAULT_BIT < 32 && r == 0 && c == 0) v[FAULT_BIT] = 1'b1;
    return v;
  endfunction

  // The output register holds row m once every column is there.
  assign c_valid = out_valid;
  assign en = !(out_valid && !c_ready);

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      bank_full <= '0;
      load_bank <= 1'b0;
      in_bank <= 1'b0;
      load_row <= '0;
      for (int s = 0; s < C; s++) wsk_valid[s] <= 1'b0;
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
      // Stage 0 takes the beat; column c writes its weight from stage c.
      for (int c = 0; c < C; c++) wsk_data[0][c] <= w_data[8*c+:8];
      wsk_valid[0] <= w_fire;
      wsk_bank[0] <= load_bank;
      wsk_row[0] <= load_row;
      for (int s = 1; s < C; s++) begin
        // Stage s carries only the columns still to be written (c >= s).
        for (int c = s; c < C; c++) wsk_data[s][c] <= wsk_data[s-1][c];
        wsk_valid[s] <= wsk_valid[s-1];
        wsk_bank[s] <= wsk_bank[s-1];
        wsk_row[s] <= wsk_row[s-1];
      end
      for (int c = 0; c < C; c++)
        if (wsk_valid[c]) w_bank[wsk_bank[c]][wsk_row[c]][c] <= wsk_data[c][c];
    end
  end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      for (int r = 0; r < R; r++)
        for (int s = 0; s < R; s++) skew_valid[r][s] <= 1'b0;
      for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) begin
          act_valid[r][c] <= 1'b0;
          psum_valid[r][c] <= 1'b0;
        end
      out_valid <= 1'b0;
    end else if (en) begin
      // Skew lines: stage 0 takes the input; row r's value leaves at stage r.
      for (int r = 0; r < R; r++) begin
        skew_data[r][0] <= a_data[8*r+:8];
        skew_valid[r][0] <= a_fire;
        skew_bank[r][0] <= in_bank;
        for (int s = 1; s <= r; s++) begin
          skew_data[r][s] <= skew_data[r][s-1];
          skew_valid[r][s] <= skew_valid[r][s-1];
          skew_bank[r][s] <= skew_bank[r][s-1];
        end
      end
      // Activations flow right; partial sums flow down.
      for (int r = 0; r < R; r++) begin
        for (int c = 0; c < C; c++) begin
          if (c == 0) begin
            act[r][c] <= skew_data[r][r];
            act_valid[r][c] <= skew_valid[r][r];
            act_bank[r][c] <= skew_bank[r][r];
          end else begin
            act[r][c] <= act[r][c-1];
            act_valid[r][c] <= act_valid[r][c-1];
            act_bank[r][c] <= act_bank[r][c-1];
          end
          psum[r][c] <= stuck(r, c, (r == 0 ? 32'sd0 : psum[r-1][c]) +
                                      32'(act[r][c] * w_bank[act_bank[r][c]][r][c]));
          psum_valid[r][c] <= act_valid[r][c];
        end
      end
      // De-skew the bottom row: column c waits C - 1 - c more cycles.
      for (int c = 0; c < C; c++) begin
        deskew[c][0] <= psum[R-1][c];
        for (int s = 1; s < C - c; s++) deskew[c][s] <= deskew[c][s-1];
      end
      out_valid <= psum_valid[R-1][C-1];
    end
  end

  for (genvar c = 0; c < C; c++) begin : g_out
    assign c_data[32*c+:32] = deskew[c][C-1-c];
  end

endmodule
