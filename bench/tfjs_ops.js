// TF.js reference timings for bench/ops.py: prints one JSON line of median seconds per workload.
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, repeats) {
  fn(); fn();
  const samples = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(samples);
}

async function main() {
  const out = {};
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const n of [512, 1024]) {
      if (backend === 'cpu' && n === 1024) continue;  // minutes per call on tfjs cpu
      const a = tf.randomNormal([n, n]);
      const b = tf.randomNormal([n, n]);
      out[`matmul${n}_${backend}`] = time(() => tf.tidy(() => tf.matMul(a, b).dataSync()), backend === 'cpu' ? 3 : 7);
    }
    const x = tf.randomNormal([1, 224, 224, 3]);
    const w = tf.randomNormal([3, 3, 3, 32]);
    out[`conv_${backend}`] = time(() => tf.tidy(() => tf.conv2d(x, w, 2, 'same').dataSync()), 5);
    const xd = tf.randomNormal([1, 112, 112, 32]);
    const wd = tf.randomNormal([3, 3, 32, 1]);
    out[`depthwise_${backend}`] = time(() => tf.tidy(() => tf.depthwiseConv2d(xd, wd, 1, 'same').dataSync()), 5);
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
