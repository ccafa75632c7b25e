// vtpu's int8 numerics against ONNX Runtime (docs/compiler.md): runs the QDQ
// model `vtpu compile --emit-qdq` wrote on INPUT.npy, quantizes vtpu's float
// output (OURS.npy) with the same scale and zero point, and compares the int8
// values: the share identical and the largest difference in LSBs.
//   node ort_compare.js MODEL_QDQ.onnx INPUT.npy OURS.npy [--min-identical 0.999] [--max-lsb 1]
// Exit status 0 when both limits hold, 1 otherwise, 2 on bad input.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const b = fs.readFileSync(path);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + headerLen);
  const descr = /'descr': '([^']+)'/.exec(header)[1];
  const shape = /'shape': \(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim())
      .filter(s => s.length).map(Number);
  if (descr !== '<f4') throw new Error(`${path}: expected float32, got ${descr}`);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + start + headerLen,
                                               b.byteOffset + b.length));
  return {shape, data};
}

// The model's int8 output (the graph output named *_int8) with its scale and zero
// point, as ONNX Runtime computes it.
async function runInt8(model, input) {
  // Basic optimizations off: ONNX Runtime then runs the QDQ graph by the ONNX
  // spec (QuantizeLinear, float operators, DequantizeLinear) instead of fusing it
  // into its own integer kernels, whose approximate requantization is not the
  // spec's rounding.
  const session = await ort.InferenceSession.create(model, {graphOptimizationLevel: 'disabled'});
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape)};
  const result = await session.run(feeds);
  const name = session.outputNames.find(n => n.endsWith('_int8'));
  const base = name.slice(0, -'_int8'.length);
  return {values: result[name].data, scale: result[base + '_scale'].data[0],
          zp: result[base + '_zero_point'].data[0]};
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
  };
  const minIdentical = option('--min-identical', 0.999), maxLsb = option('--max-lsb', 1);
  if (args.length !== 3) {
    console.error('usage: node ort_compare.js MODEL_QDQ.onnx INPUT.npy OURS.npy');
    process.exit(2);
  }
  const [model, inputPath, oursPath] = args;
  const input = readNpy(inputPath);
  const theirs = await runInt8(model, input);
  const float = readNpy(oursPath).data;
  const ours = Array.from(float, v => Math.max(-128, Math.min(127, Math.round(v / theirs.scale) + theirs.zp)));
  if (ours.length !== theirs.values.length) {
    console.error(`${oursPath}: ${ours.length} elements, ONNX Runtime gave ${theirs.values.length}`);
    process.exit(2);
  }
  let same = 0, worst = 0;
  for (let i = 0; i < ours.length; ++i) {
    const d = Math.abs(ours[i] - theirs.values[i]);
    if (d === 0) ++same;
    worst = Math.max(worst, d);
  }
  const share = same / ours.length;
  const ok = share >= minIdentical && worst <= maxLsb;
  console.log(`${model}: ${(100 * share).toFixed(2)} % of ${ours.length} int8 outputs identical ` +
              `to ONNX Runtime ${require('onnxruntime-node/package.json').version}, ` +
              `largest difference ${worst} LSB${ok ? '' : ' (FAIL)'}`);
  process.exit(ok ? 0 : 1);
}

main().catch(e => { console.error(e.message); process.exit(2); });
