// The bf16 processing element's arithmetic (docs/numerics.md, "MXU
// accumulation order (bf16)"): a bf16 x bf16 product rounded to fp32, and an
// fp32 sum, each IEEE 754 binary32 round-to-nearest-even with subnormals
// (nothing flushed), infinities, and NaNs as the x86 host computes them (the
// first NaN operand, quietened; an invalid operation gives the default NaN
// 0xFFC00000). Combinational functions, checked against the host's float
// arithmetic by tb_mxu_fp.cpp.
package mxu_fp;

  localparam logic [31:0] DefaultNan = 32'hFFC0_0000;

  function automatic logic is_nan32(logic [30:0] magnitude);
    return magnitude[30:23] == 8'hFF && magnitude[22:0] != 0;
  endfunction

  // Rounds sig * 2^e2 (sig > 0) to the nearest fp32, ties to even, and packs
  // it with `sign`: a normal number, a subnormal, or an infinity.
  function automatic logic [31:0] round_pack(logic sign, logic [31:0] sig, int e2);
    int msb, biased, shift;
    logic [30:0] body;  // exponent and fraction fields
    logic [22:0] kept;  // the fraction field's bits
    logic [31:0] kept_all;
    logic round_bit, sticky;
    // The leading one's position (sig > 0), in five halvings.
    msb = 31;
    kept_all = sig;
    if (kept_all[31:16] == 0) begin kept_all = kept_all << 16; msb -= 16; end
    if (kept_all[31:24] == 0) begin kept_all = kept_all << 8; msb -= 8; end
    if (kept_all[31:28] == 0) begin kept_all = kept_all << 4; msb -= 4; end
    if (kept_all[31:30] == 0) begin kept_all = kept_all << 2; msb -= 2; end
    if (kept_all[31] == 0) msb -= 1;
    biased = msb + e2 + 127;
    if (biased >= 255) return {sign, 8'hFF, 23'h0};
    // Normal: keep 24 significant bits. Subnormal: keep what lies at or above
    // 2^-149, the exponent field 0.
    shift = biased >= 1 ? msb - 23 : -(e2 + 149);
    if (shift > 32) begin
      kept = 0;
      round_bit = 1'b0;
      sticky = 1'b1;
    end else if (shift > 0) begin
      kept = 23'(sig >> shift);
      round_bit = sig[shift-1];
      sticky = shift > 1 && (sig & ((32'h1 << (shift - 1)) - 1)) != 0;
    end else begin
      kept = 23'(sig << -shift);
      round_bit = 1'b0;
      sticky = 1'b0;
    end
    // The hidden bit of a normal number is dropped; a carry out of the
    // fraction steps the exponent (up to infinity, or subnormal to normal).
    body = {biased >= 1 ? 8'(biased) : 8'h0, kept};
    body = body + 31'(round_bit && (sticky || kept[0]));
    return {sign, body};
  endfunction

  // The fp32 product of two bf16 values, rounded once.
  function automatic logic [31:0] mul_bf16(logic [15:0] a, logic [15:0] b);
    /* verilator no_inline_task */  // one call per PE, not its body unrolled R x C times
    logic sign;
    logic a_zero, b_zero, a_inf, b_inf;
    logic [7:0] ma, mb;
    int ea, eb;
    sign = a[15] ^ b[15];
    if (a[14:7] == 8'hFF && a[6:0] != 0) return {a, 16'h0} | 32'h0040_0000;
    if (b[14:7] == 8'hFF && b[6:0] != 0) return {b, 16'h0} | 32'h0040_0000;
    a_inf = a[14:0] == 15'h7F80;
    b_inf = b[14:0] == 15'h7F80;
    a_zero = a[14:0] == 0;
    b_zero = b[14:0] == 0;
    if (a_inf || b_inf) return a_zero || b_zero ? DefaultNan : {sign, 8'hFF, 23'h0};
    if (a_zero || b_zero) return {sign, 31'h0};
    ma = {a[14:7] != 0, a[6:0]};
    mb = {b[14:7] != 0, b[6:0]};
    ea = a[14:7] == 0 ? 1 : int'(a[14:7]);
    eb = b[14:7] == 0 ? 1 : int'(b[14:7]);
    // a = ma * 2^(ea - 134), b likewise.
    return round_pack(sign, 32'(ma) * 32'(mb), ea + eb - 268);
  endfunction

  // x + y in fp32, rounded once.
  function automatic logic [31:0] add_f32(logic [31:0] x, logic [31:0] y);
    /* verilator no_inline_task */
    logic x_inf, y_inf, x_zero, y_zero, sign;
    logic [31:0] major, minor;
    logic [26:0] sig_major, sig_minor;  // the significand, then guard, round and sticky bits
    logic [27:0] sum;
    int e_major, e_minor, d;
    if (is_nan32(x[30:0])) return x | 32'h0040_0000;
    if (is_nan32(y[30:0])) return y | 32'h0040_0000;
    x_inf = x[30:0] == 31'h7F80_0000;
    y_inf = y[30:0] == 31'h7F80_0000;
    if (x_inf && y_inf) return x[31] == y[31] ? x : DefaultNan;
    if (x_inf) return x;
    if (y_inf) return y;
    x_zero = x[30:0] == 0;
    y_zero = y[30:0] == 0;
    if (x_zero && y_zero) return {x[31] & y[31], 31'h0};
    if (x_zero) return y;
    if (y_zero) return x;
    // The larger magnitude first (the fields of a finite number order as it does).
    if (x[30:0] >= y[30:0]) begin
      major = x;
      minor = y;
    end else begin
      major = y;
      minor = x;
    end
    e_major = major[30:23] == 0 ? 1 : int'(major[30:23]);
    e_minor = minor[30:23] == 0 ? 1 : int'(minor[30:23]);
    sig_major = {major[30:23] != 0, major[22:0], 3'b000};
    sig_minor = {minor[30:23] != 0, minor[22:0], 3'b000};
    d = e_major - e_minor;
    if (d >= 27) sig_minor = 27'(sig_minor != 0);
    else if (d > 0)
      sig_minor = (sig_minor >> d) | 27'((sig_minor & ((27'h1 << d) - 1)) != 0);
    sign = major[31];
    if (major[31] == minor[31]) sum = 28'(sig_major) + 28'(sig_minor);
    else sum = 28'(sig_major) - 28'(sig_minor);
    if (sum == 0) return 32'h0;  // x + (-x) is +0 when rounding to nearest
    // major = sig_major * 2^(e_major - 153)
    return round_pack(sign, 32'(sum), e_major - 153);
  endfunction

endpackage
