// TF.js side of bench/train.py: prints one JSON line of samples/s per backend and workload; a workload a
// backend cannot train gives the error message instead (wasm 4.22 has no Conv2DBackpropFilter kernel).
// The plain-JS cpu backend trains the CNN at about one sample per second, so it gets CPU_STEPS steps
// and one timed epoch.
// Usage: node tfjs_train.js '{"mlp": 100, "cnn": 30}' 3
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

const BATCH = 32;
const CPU_STEPS = 2;

function build(kind) {
  const model = tf.sequential();
  if (kind === 'mlp') {
    model.add(tf.layers.dense({inputShape: [784], units: 128, activation: 'relu'}));
    model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  } else {
    model.add(tf.layers.conv2d({inputShape: [32, 32, 3], filters: 32, kernelSize: 3, activation: 'relu'}));
    model.add(tf.layers.maxPooling2d({poolSize: 2}));
    model.add(tf.layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu'}));
    model.add(tf.layers.maxPooling2d({poolSize: 2}));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  }
  model.compile({optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function samplesPerSecond(kind, steps, repeats) {
  const shape = kind === 'mlp' ? [784] : [32, 32, 3];
  const x = tf.randomNormal([steps * BATCH, ...shape]);
  const y = tf.randomUniform([steps * BATCH], 0, 10, 'int32').cast('float32');
  const model = build(kind);
  const warmup = Math.min(4, steps - 1 || 1) * BATCH;
  await model.fit(x.slice(0, warmup), y.slice(0, warmup), {batchSize: BATCH, epochs: 1, verbose: 0});
  const rates = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    await model.fit(x, y, {batchSize: BATCH, epochs: 1, verbose: 0, shuffle: true});
    rates.push(steps * BATCH / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return median(rates);
}

async function main() {
  const steps = JSON.parse(process.argv[2]);
  const repeats = parseInt(process.argv[3], 10);
  const out = {version: tf.version.tfjs};
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    await tf.ready();
    out[backend] = {active: tf.getBackend()};
    for (const [kind, count] of Object.entries(steps)) {
      try {
        out[backend][kind] = backend === 'cpu'
          ? await samplesPerSecond(kind, Math.min(count, CPU_STEPS), 1)
          : await samplesPerSecond(kind, count, repeats);
      } catch (error) {
        out[backend][kind] = String(error.message || error);
      }
    }
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
