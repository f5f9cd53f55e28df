// The face classifier: an INT8 one-vs-rest linear SVM with unknown-face
// rejection, bit-exact with the integer golden model in
// runtime/integer-model.ts.
//
// Interface (all on the rising edge of clk):
// - Input stream `x`: one embedding of D int8 values in D / LANES beats of
//   LANES values each. Value k * LANES + i travels in lane i of beat k, lane i
//   being bits [8i + 7 : 8i] of `x_data`. `x_ready` is 1 while the design
//   waits for an embedding.
// - Output stream `result`: `result_class` (the argmax, ties to the lowest
//   class index), `result_score` (its score W[c]·x + b[c]) and
//   `result_unknown`, held with `result_valid` until `result_ready`.
// - `threshold_write` with `threshold_data` sets the rejection threshold at
//   run time; it starts as the trained one. The face is unknown when the best
//   score (rule "score") or the best minus the second-best score (rule
//   "margin") is below the threshold.
// - With storage "ram" the weights are not in the bitstream: the host writes
//   them first through `weight_write`, `weight_addr` and `weight_data` (word
//   c * D / LANES + k holds the LANES weights of class c, beat k, packed like
//   `x_data`). With storage "rom" they are initialised from the weights file.
//
// Pipeline, one weight word per cycle: read weights, embedding and bias
// (stage 1), multiply the LANES pairs (stage 2), add the products (stage 3),
// accumulate from the bias (stage 4), compare the finished class score with
// the best and second-best so far (stage 5) and update them (stage 6).
// Latency from the last input beat to result_valid is
// C * D / LANES + pipelineCycles(D, LANES) cycles.

import { Bool, Module, SInt, SignalHandle, UInt, generator, mux, type Value } from '../dsl/index.ts';
import { bitsNeeded } from '../dsl/types.ts';
import { indexWidth, runningBest, streamIn, sumTree } from '../dsl/lib/index.ts';
import { loadIntModel, type IntModel } from '../runtime/integer-model.ts';

/**
 * Cycles from the last beat of an embedding to result_valid, beyond the
 * C * D / LANES cycles of weight reads, with 2 or more beats per class; one
 * fewer with 1 beat per class (LANES = D), where the compare is not registered.
 */
export const PIPELINE_CYCLES = 5;

export function pipelineCycles(dims: number, lanes: number): number {
  return dims / lanes >= 2 ? PIPELINE_CYCLES : PIPELINE_CYCLES - 1;
}

/**
 * The smallest signed width that holds every class score and every partial
 * sum for any int8 input: class c's score lies in b[c] plus, per weight w,
 * [min(127w, -128w), max(127w, -128w)], and every partial sum lies in the same
 * range because each term's range contains 0.
 */
export function scoreWidth(model: IntModel): number {
  let width = 1;
  model.weights.forEach((row, c) => {
    let low = BigInt(model.biases[c]);
    let high = low;
    for (const w of row) {
      const a = BigInt(w) * 127n;
      const b = BigInt(w) * -128n;
      low += a < b ? a : b;
      high += a > b ? a : b;
    }
    width = Math.max(width, bitsNeeded(low, true), bitsNeeded(high, true));
  });
  return width;
}

/** Packs LANES int8 values into one word, value i in bits [8i + 7 : 8i]. */
export function packLanes(values: ArrayLike<number>, start: number, lanes: number): bigint {
  let word = 0n;
  for (let i = lanes - 1; i >= 0; i--) {
    word = (word << 8n) | BigInt(values[start + i] & 0xff);
  }
  return word;
}

/** Returns the weight memory's words: C * D / LANES of them, class-major. */
export function weightWords(model: IntModel, lanes: number): bigint[] {
  const words: bigint[] = [];
  for (const row of model.weights) {
    for (let start = 0; start < model.dims; start += lanes) {
      words.push(packLanes(row, start, lanes));
    }
  }
  return words;
}

/**
 * Registers each value under `<prefix>_<key>`, so that control signals move
 * down the pipeline with their data; only `valid` is reset.
 */
function stage<K extends string>(m: Module, prefix: string, values: Record<K, Value>, reset: Value): Record<K, SignalHandle> {
  const registers = {} as Record<K, SignalHandle>;
  for (const key of Object.keys(values) as K[]) {
    const register = m.reg(`${prefix}_${key}`, values[key].type, key === 'valid' ? { reset } : {});
    register.set(values[key]);
    registers[key] = register;
  }
  return registers;
}

function lane(word: Value, i: number): Value {
  return word.slice(8 * i + 7, 8 * i).asSigned();
}

export interface FaceSvmOptions {
  readonly lanes: number;
  readonly storage: 'rom' | 'ram';
}

export function faceSvm(model: IntModel, { lanes, storage }: FaceSvmOptions): Module {
  const D = model.dims;
  const C = model.classes.length;
  if (!Number.isInteger(lanes) || lanes < 1 || D % lanes !== 0) {
    throw new RangeError(`lanes must divide the embedding length ${D}, got ${lanes}`);
  }
  const beats = D / lanes;
  const words = C * beats;
  const scoreBits = scoreWidth(model);
  const thresholdBits = Math.max(scoreBits + 1, bitsNeeded(BigInt(model.threshold), true));
  const classBits = indexWidth(C);
  const beatBits = indexWidth(beats);
  const biasBits = Math.max(...Array.from(model.biases, (b) => bitsNeeded(BigInt(b), true)));

  const m = new Module(`face_svm_l${lanes}_${storage}`, { lanes, storage, dims: D, classes: C });
  m.clock();
  const reset = m.input('reset', Bool);

  // Storage: the embedding buffer, the weights and the biases.
  // The weight memory's depth is a power of two, so no address needs a range check.
  const embedding = m.ram('embedding', UInt(8 * lanes), beats);
  const weightDepth = 2 ** indexWidth(words);
  const weights = storage === 'rom'
    ? m.rom('weights', UInt(8 * lanes), weightWords(model, lanes), weightDepth)
    : m.ram('weights', UInt(8 * lanes), weightDepth);
  const biases = m.rom('biases', SInt(biasBits), Array.from(model.biases));

  const thresholdWrite = m.input('threshold_write', Bool);
  const thresholdData = m.input('threshold_data', SInt(thresholdBits));
  const threshold = m.reg('threshold', SInt(thresholdBits), { init: model.threshold, reset });
  m.when(thresholdWrite, () => threshold.set(thresholdData));

  // States: 0 load the embedding, 1 stream the weights, 2 drain the
  // pipeline, 3 hold the result.
  const state = m.reg('state', UInt(2), { reset });
  const loading = state.eq(0);
  const computing = state.eq(1);
  const done = state.eq(3);

  const x = streamIn(m, 'x', UInt(8 * lanes));
  x.ready.set(loading);
  const loadBeat = m.reg('load_beat', UInt(beatBits), { reset });
  m.when(x.fire, () => {
    embedding.write(loadBeat, x.data);
    m.when(loadBeat.eq(beats - 1), () => {
      loadBeat.set(0);
      state.set(1);
    }).otherwise(() => loadBeat.set(loadBeat.addWrap(1)));
  });

  // Stage 0: walk every weight word once.
  const address = m.reg('address', UInt(weights.addrWidth), { reset });
  const beat = m.reg('beat', UInt(beatBits), { reset });
  const classIndex = m.reg('class_index', UInt(classBits), { reset });
  m.when(computing, () => {
    address.set(address.addWrap(1));
    m.when(beat.eq(beats - 1), () => {
      beat.set(0);
      classIndex.set(classIndex.addWrap(1));
    }).otherwise(() => beat.set(beat.addWrap(1)));
    m.when(address.eq(words - 1), () => {
      address.set(0);
      classIndex.set(0);
      state.set(2);
    });
  });

  // Stage 1: memory words arrive; the control follows in registers. The RAM
  // form shares one address between the host's writes and the reads, and
  // reads only when not writing, so that synthesis can map it to a
  // single-port RAM (the iCE40 UP5K's SPRAM, through ram_style "huge").
  let weightWord: Value;
  if (storage === 'ram') {
    const write = m.input('weight_write', Bool);
    const hostAddress = m.input('weight_addr', UInt(weights.addrWidth));
    const data = m.input('weight_data', UInt(8 * lanes));
    const sharedAddress = m.wire('weight_address', UInt(weights.addrWidth));
    sharedAddress.set(mux(write, hostAddress, address));
    m.when(write, () => weights.write(sharedAddress, data));
    weightWord = weights.read(sharedAddress, { enable: write.not() });
    weights.setAttribute('ram_style', 'huge').markUninitialized();
  } else {
    weightWord = weights.read(address);
  }
  const embeddingWord = embedding.read(beat);
  const bias = biases.read(classIndex);
  const s1 = stage(m, 's1', { valid: computing, first: beat.eq(0), last: beat.eq(beats - 1), class: classIndex }, reset);

  // Stage 2: LANES signed products, registered.
  const products: Value[] = [];
  for (let i = 0; i < lanes; i++) {
    const product = m.reg(`product${i}`, SInt(16));
    product.set(lane(weightWord, i).mul(lane(embeddingWord, i)));
    products.push(product);
  }
  const s2 = stage(m, 's2', { valid: s1.valid, first: s1.first, last: s1.last, class: s1.class, bias }, reset);

  // Stage 3: the sum of the products.
  const sum = sumTree(products);
  const beatSum = m.reg('beat_sum', sum.type);
  beatSum.set(sum);
  const s3 = stage(m, 's3', { ...s2 }, reset);

  // Stage 4: accumulate, starting each class from its bias. scoreWidth
  // bounds every partial sum, so the truncation loses nothing.
  const accumulator = m.reg('accumulator', SInt(scoreBits));
  const base = m.wire('base', SInt(scoreBits));
  base.set(accumulator);
  m.when(s3.first, () => base.set(s3.bias.resize(scoreBits)));
  m.when(s3.valid, () => accumulator.set(base.add(beatSum).trunc(scoreBits)));
  const scoreValid = m.reg('score_valid', Bool, { reset });
  const scoreClass = m.reg('score_class', UInt(classBits));
  scoreValid.set(s3.valid.and(s3.last));
  scoreClass.set(s3.class);

  // Stage 5: compare the finished score with the best so far. With 2 or more
  // beats per class, scores arrive at least 2 cycles apart, so the compare
  // can be registered (stage 6 updates): that takes the compare's carry
  // chain out of the update's path, for a faster clock.
  const registerCompare = beats >= 2;
  const tracker = runningBest(m, 'top', SInt(scoreBits), {
    valid: scoreValid,
    first: scoreClass.eq(0),
    index: scoreClass,
    score: accumulator,
  }, { registerCompare });
  m.when(state.eq(2).and(tracker.updateValid).and(tracker.updateIndex.eq(C - 1)), () => state.set(3));

  // The result stream.
  const resultReady = m.input('result_ready', Bool);
  m.output('result_valid', Bool).set(done);
  m.output('result_class', UInt(classBits)).set(tracker.bestIndex);
  m.output('result_score', SInt(scoreBits)).set(tracker.best);
  const measured = model.rule === 'score'
    ? tracker.best.resize(thresholdBits)
    : tracker.best.sub(tracker.second).resize(thresholdBits);
  m.output('result_unknown', Bool).set(measured.lt(threshold));
  m.when(done.and(resultReady), () => state.set(0));

  m.output('busy', Bool).set(computing.or(state.eq(2)));
  return m;
}

export default generator('face_svm', { weights: 'generated/lfw/weights.json', lanes: 8, storage: 'ram' }, ({ weights, lanes, storage }) => {
  if (storage !== 'rom' && storage !== 'ram') {
    throw new RangeError(`storage must be "rom" or "ram", got "${storage}"`);
  }
  return faceSvm(loadIntModel(weights), { lanes, storage });
});
