// An example of a tile of one's own (docs/cosim.md, "Your own tile"): the
// project's tile behind one more register stage on the result channel, a
// plain pipeline register that takes a beat whenever it is empty or being
// read. It conforms to the pin contract and computes the same results at the
// same rate, one cycle later: lockstep and replay must say that its cycles
// are not the formula's (tests/rtl/tests.cmake).
//   cmake -DVTPU_MXU_RTL="rtl/mxu_tile/mxu_fp.sv;rtl/mxu_tile/mxu_tile.sv;rtl/examples/late_tile/mxu_tile_late.sv" \
//         -DVTPU_MXU_RTL_TOP=mxu_tile_late
module mxu_tile_late #(
    parameter int R = 8,
    parameter int C = 8
) (
    input logic clk,
    input logic rst_n,
    input logic bf16,

    input  logic            w_valid,
    output logic            w_ready,
    input  logic [C*16-1:0] w_data,

    input  logic            a_valid,
    output logic            a_ready,
    input  logic [R*16-1:0] a_data,
    input  logic            a_last,

    output logic            c_valid,
    input  logic            c_ready,
    output logic [C*32-1:0] c_data
);
  logic inner_valid, inner_ready;
  logic [C*32-1:0] inner_data;

  mxu_tile #(.R(R), .C(C)) tile (
      .clk, .rst_n, .bf16,
      .w_valid, .w_ready, .w_data,
      .a_valid, .a_ready, .a_data, .a_last,
      .c_valid(inner_valid), .c_ready(inner_ready), .c_data(inner_data)
  );

  assign inner_ready = !c_valid || c_ready;
  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) c_valid <= 1'b0;
    else if (inner_ready) c_valid <= inner_valid;
  always_ff @(posedge clk) if (inner_ready && inner_valid) c_data <= inner_data;
endmodule
