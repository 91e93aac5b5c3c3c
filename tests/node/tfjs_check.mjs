// Runs a TF.js layers model folder (model.json + weight shards) in the real @tensorflow/tfjs.
//
//   node tfjs_check.mjs predict JOBS_JSON RESULTS_JSON
//       JOBS_JSON holds {"jobs": [{"model": MODEL_DIR, "inputs": [{"shape": [...], "data": [flat numbers]}],
//                                  "register": [JS_FILE, ...]}]};
//       RESULTS_JSON receives {"results": [{"outputs": [{"shape", "data"}, ...]}, ...]}, one per job.
//       "register" (optional) names ES modules shipped with a model that define custom layers: each one's
//       `register(tf)` runs before the model loads (Glimmer's sound models need log_mel_spectrogram.js).
//   node tfjs_check.mjs resave MODEL_DIR OUT_DIR
//       Loads the model and writes it back with TF.js's own `model.save` (model.json + weights.bin),
//       to make fixtures "as TF.js writes them".
//
// Results go to files, not stdout: TF.js prints advice about tfjs-node on stdout.
// Plain tfjs has no file:// loader in Node, so the files are read here and handed to tf.io.fromMemory.
import * as tf from '@tensorflow/tfjs';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';

function readArtifacts(modelDir) {
  const modelJson = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const weightSpecs = [];
  const shards = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      shards.push(readFileSync(join(modelDir, path)));
    }
  }
  const joined = Buffer.concat(shards);
  return {
    modelTopology: modelJson.modelTopology,
    trainingConfig: modelJson.trainingConfig,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    weightSpecs,
    weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
  };
}

async function loadModel(modelDir) {
  return tf.loadLayersModel(tf.io.fromMemory(readArtifacts(modelDir)));
}

async function predictOne(job) {
  for (const modulePath of job.register || []) {
    (await import(pathToFileURL(resolve(modulePath)).href)).register(tf);
  }
  const model = await loadModel(job.model);
  const inputs = job.inputs.map((input) => tf.tensor(input.data, input.shape, 'float32'));
  const predicted = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const outputs = Array.isArray(predicted) ? predicted : [predicted];
  return {outputs: outputs.map((output) => ({shape: output.shape, data: Array.from(output.dataSync())}))};
}

async function predict(jobsPath, resultsPath) {
  const {jobs} = JSON.parse(readFileSync(jobsPath, 'utf8'));
  const results = [];
  for (const job of jobs) {
    results.push(await predictOne(job));
  }
  writeFileSync(resultsPath, JSON.stringify({results}));
}

async function resave(modelDir, outDir) {
  const model = await loadModel(modelDir);
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    mkdirSync(outDir, {recursive: true});
    writeFileSync(join(outDir, 'weights.bin'), Buffer.from(artifacts.weightData));
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{paths: ['weights.bin'], weights: artifacts.weightSpecs}],
    };
    writeFileSync(join(outDir, 'model.json'), JSON.stringify(modelJson));
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
}

const [mode, ...args] = process.argv.slice(2);
const modes = {predict, resave};
if (!(mode in modes)) {
  console.error('usage: node tfjs_check.mjs predict JOBS_JSON RESULTS_JSON | resave MODEL_DIR OUT_DIR');
  process.exit(2);
}
modes[mode](...args).catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
