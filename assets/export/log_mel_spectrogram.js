// Glimmer's LogMelSpectrogram layer for TensorFlow.js (4.x): the first layer of Glimmer's sound models.
//
// A Glimmer sound model takes the raw waveform; this layer turns it into the log-mel spectrogram the
// network was trained on. TF.js has no such layer, so register this one before loading the model:
//
//   import {register} from './log_mel_spectrogram.js';
//   register(tf);                                   // the tf namespace: @tensorflow/tfjs or the CDN's global
//   const model = await tf.loadLayersModel('model.json');
//
// (..., samples) float32 waveform in [-1, 1] -> (..., frames, numMelBins) logBase(logScale * mel + logOffset).
// Frames of frameLength samples, windowed (Hann or Hamming, symmetric unless periodicWindow), every
// frameStep samples; with `center` frame k is centred on sample k * frameStep (zeros outside the clip)
// and frames continue while one starts before the clip's end. The power (or magnitude) spectrum goes
// through HTK-mel triangles between lowerEdgeHertz and upperEdgeHertz (each summing to one with
// melNormalization 'unit_sum'), as Glimmer's engine computes it (engine/applications/audio/log_mel.py).
//
// The spectrum is a DFT written as two matrix products (cosine and sine) rather than tf.spectral.rfft:
// TF.js's CPU FFT takes about 50 ms per 2048-sample frame (2 s for one second of sound), and matrix
// products run fast on every backend. In float32 the log-mel values differ from an exact FFT's by at most
// about 1e-4 (a 16-bit recording's own rounding is larger).

const MEL_BREAK_FREQUENCY_HERTZ = 700.0;
const MEL_HIGH_FREQUENCY_Q = 1127.0;

function hertzToMel(hertz) {
  return MEL_HIGH_FREQUENCY_Q * Math.log(1.0 + hertz / MEL_BREAK_FREQUENCY_HERTZ);
}

// TF's raised-cosine window a - b cos(2 pi n / N), N = length - 1 (or length when periodic and even).
function raisedCosineWindow(length, periodic, a, b) {
  const values = new Float32Array(length);
  if (length === 1) {
    values[0] = 1;
    return values;
  }
  const denominator = length + (periodic ? 1 - (length % 2) : 0) - 1;
  for (let n = 0; n < length; n++) {
    values[n] = a - b * Math.cos((2 * Math.PI * n) / denominator);
  }
  return values;
}

// [numSpectrogramBins, numMelBins] triangles, TF's linear_to_mel_weight_matrix (the DC row stays zero),
// each column divided by its sum for 'unit_sum'.
function melFilterbank(numMelBins, fftLength, sampleRate, lowerEdgeHertz, upperEdgeHertz, normalization) {
  const bins = Math.floor(fftLength / 2) + 1;
  const lowMel = hertzToMel(lowerEdgeHertz);
  const highMel = hertzToMel(upperEdgeHertz);
  const edges = [];
  for (let i = 0; i < numMelBins + 2; i++) {
    edges.push(lowMel + ((highMel - lowMel) * i) / (numMelBins + 1));
  }
  const weights = new Float64Array(bins * numMelBins);
  for (let k = 1; k < bins; k++) {
    const mel = hertzToMel(((sampleRate / 2) * k) / (bins - 1));
    for (let m = 0; m < numMelBins; m++) {
      const rising = (mel - edges[m]) / (edges[m + 1] - edges[m]);
      const falling = (edges[m + 2] - mel) / (edges[m + 2] - edges[m + 1]);
      // Rounded to float32 as the engine keeps the matrix before normalising it.
      weights[k * numMelBins + m] = Math.fround(Math.max(0, Math.min(rising, falling)));
    }
  }
  if (normalization === 'unit_sum' || normalization === 'unitSum') {
    for (let m = 0; m < numMelBins; m++) {
      let sum = 0;
      for (let k = 0; k < bins; k++) sum += weights[k * numMelBins + m];
      if (sum === 0) {
        throw new Error(`LogMelSpectrogram: mel band ${m} covers no FFT bin; use fewer bands or a longer FFT`);
      }
      for (let k = 0; k < bins; k++) weights[k * numMelBins + m] /= sum;
    }
  } else if (normalization != null) {
    throw new Error(`LogMelSpectrogram: unknown melNormalization ${normalization}`);
  }
  return Float32Array.from(weights);
}

// [frameLength, bins] cos(2 pi n k / fftLength) and sin(...): frames times these give the real and imaginary
// parts of the spectrum (the zero padding to fftLength contributes nothing, so only frameLength rows exist).
function dftMatrices(frameLength, fftLength) {
  const bins = Math.floor(fftLength / 2) + 1;
  const cos = new Float32Array(frameLength * bins);
  const sin = new Float32Array(frameLength * bins);
  for (let n = 0; n < frameLength; n++) {
    for (let k = 0; k < bins; k++) {
      // n * k reduced modulo fftLength first keeps the angle, and so the value, exact in float64.
      const angle = (2 * Math.PI * ((n * k) % fftLength)) / fftLength;
      cos[n * bins + k] = Math.cos(angle);
      sin[n * bins + k] = Math.sin(angle);
    }
  }
  return [cos, sin];
}

function setting(config, camel, snake, fallback) {
  if (config[camel] !== undefined && config[camel] !== null) return config[camel];
  if (config[snake] !== undefined && config[snake] !== null) return config[snake];
  return fallback;
}

export function register(tf) {
  if (tf.serialization.SerializationMap.getMap().classNameMap.LogMelSpectrogram) {
    return tf.serialization.SerializationMap.getMap().classNameMap.LogMelSpectrogram[0];
  }

  class LogMelSpectrogram extends tf.layers.Layer {
    constructor(config = {}) {
      super(config);
      this.sampleRate = setting(config, 'sampleRate', 'sample_rate', 44100);
      this.frameLength = setting(config, 'frameLength', 'frame_length', 2048);
      this.frameStep = setting(config, 'frameStep', 'frame_step', 1024);
      this.fftLength = setting(config, 'fftLength', 'fft_length', this.frameLength);
      this.numMelBins = setting(config, 'numMelBins', 'num_mel_bins', 96);
      this.lowerEdgeHertz = setting(config, 'lowerEdgeHertz', 'lower_edge_hertz', 0);
      this.upperEdgeHertz = setting(config, 'upperEdgeHertz', 'upper_edge_hertz', this.sampleRate / 2);
      this.window = setting(config, 'window', 'window', 'hann');
      this.periodicWindow = setting(config, 'periodicWindow', 'periodic_window', false);
      this.center = setting(config, 'center', 'center', true);
      this.power = setting(config, 'power', 'power', 2.0);
      this.melNormalization = setting(config, 'melNormalization', 'mel_normalization', 'unit_sum');
      this.logScale = setting(config, 'logScale', 'log_scale', 1e4);
      this.logOffset = setting(config, 'logOffset', 'log_offset', 1.0);
      this.logBase = setting(config, 'logBase', 'log_base', 10.0);
      const [a, b] = {hann: [0.5, 0.5], hamming: [0.54, 0.46]}[this.window] || [];
      if (a === undefined) throw new Error(`LogMelSpectrogram: unknown window ${this.window}`);
      this.windowValues = raisedCosineWindow(this.frameLength, this.periodicWindow, a, b);
      this.filterbankValues = melFilterbank(this.numMelBins, this.fftLength, this.sampleRate, this.lowerEdgeHertz,
                                            this.upperEdgeHertz, this.melNormalization);
      this.constants = null;
    }

    // The window, DFT and mel matrices as tensors, made on the first call and kept.
    tensors() {
      if (this.constants === null) {
        const bins = Math.floor(this.fftLength / 2) + 1;
        const [cos, sin] = dftMatrices(this.frameLength, this.fftLength);
        this.constants = tf.tidy(() => ({
          window: tf.keep(tf.tensor1d(this.windowValues)),
          cos: tf.keep(tf.tensor2d(cos, [this.frameLength, bins])),
          sin: tf.keep(tf.tensor2d(sin, [this.frameLength, bins])),
          filterbank: tf.keep(tf.tensor2d(this.filterbankValues, [bins, this.numMelBins])),
        }));
      }
      return this.constants;
    }

    numFrames(numSamples) {
      if (numSamples == null) return null;
      if (this.center) {
        return Math.ceil((numSamples + Math.floor(this.frameLength / 2)) / this.frameStep);
      }
      return Math.max(0, 1 + Math.floor((numSamples - this.frameLength) / this.frameStep));
    }

    computeOutputShape(inputShape) {
      const samples = inputShape[inputShape.length - 1];
      return [...inputShape.slice(0, -1), this.numFrames(samples), this.numMelBins];
    }

    call(inputs) {
      return tf.tidy(() => {
        let signal = (Array.isArray(inputs) ? inputs[0] : inputs).toFloat();
        const leading = signal.shape.slice(0, -1);
        const samples = signal.shape[signal.shape.length - 1];
        signal = signal.reshape([-1, samples]);
        const frames = this.numFrames(samples);
        const front = this.center ? Math.floor(this.frameLength / 2) : 0;
        const needed = (frames - 1) * this.frameStep + this.frameLength;
        const back = Math.max(0, needed - samples - front);
        signal = signal.pad([[0, 0], [front, back]]);
        const indices = new Int32Array(frames * this.frameLength);
        for (let f = 0; f < frames; f++) {
          for (let i = 0; i < this.frameLength; i++) indices[f * this.frameLength + i] = f * this.frameStep + i;
        }
        const {window, cos, sin, filterbank} = this.tensors();
        const framed = tf.gather(signal, tf.tensor2d(indices, [frames, this.frameLength], 'int32'), 1)
            .mul(window).reshape([-1, this.frameLength]);
        let power = framed.matMul(cos).square().add(framed.matMul(sin).square());
        if (this.power === 1.0) power = power.sqrt();
        const mel = power.matMul(filterbank);
        const compressed = this.logOffset === 1.0 ? mel.mul(this.logScale).log1p() :
            mel.mul(this.logScale).add(this.logOffset).log();
        return compressed.mul(1 / Math.log(this.logBase)).reshape([...leading, frames, this.numMelBins]);
      });
    }

    getConfig() {
      return Object.assign(super.getConfig(), {
        sampleRate: this.sampleRate, frameLength: this.frameLength, frameStep: this.frameStep,
        fftLength: this.fftLength, numMelBins: this.numMelBins, lowerEdgeHertz: this.lowerEdgeHertz,
        upperEdgeHertz: this.upperEdgeHertz, window: this.window, periodicWindow: this.periodicWindow,
        center: this.center, power: this.power, melNormalization: this.melNormalization, logScale: this.logScale,
        logOffset: this.logOffset, logBase: this.logBase,
      });
    }
  }
  LogMelSpectrogram.className = 'LogMelSpectrogram';
  tf.serialization.registerClass(LogMelSpectrogram, 'Glimmer');
  return LogMelSpectrogram;
}
