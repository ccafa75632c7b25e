// Test only: the bf16 processing element's arithmetic (mxu_fp.sv) as ports,
// for its unit testbench (tb_mxu_fp.cpp).
module mxu_fp_check (
    input  logic [31:0] x,
    input  logic [31:0] y,
    input  logic [15:0] a,
    input  logic [15:0] b,
    output logic [31:0] sum,      // x + y
    output logic [31:0] product   // a * b
);
  assign sum = mxu_fp::add_f32(x, y);
  assign product = mxu_fp::mul_bf16(a, b);
endmodule
