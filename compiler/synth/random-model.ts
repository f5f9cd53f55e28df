// Random int8 models and embeddings with the shape of a trained face model.
// Resource figures depend on the weights only through the score width, so a
// random model of the right shape gives the figures of the trained one
// before its weights file exists. Biases are drawn from [-2^20, 2^20], far
// inside the bound that parseIntModel enforces.

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { SeededRandom } from '../../runtime/random.ts';
import { INT_MODEL_FORMAT, INT_MODEL_VERSION, parseIntModel, type IntModel } from '../../runtime/integer-model.ts';

const BIAS_LIMIT = 2 ** 20;

/** Builds the JSON of a weights file with `classes` classes of `dims` uniform int8 weights. */
export function randomModelJson(classes: number, dims: number, seed: number): object {
  const random = new SeededRandom(seed);
  const weights = Array.from({ length: classes }, () => Array.from({ length: dims }, () => random.integer(-128, 127)));
  const biases = Array.from({ length: classes }, () => random.integer(-BIAS_LIMIT, BIAS_LIMIT));
  return {
    format: INT_MODEL_FORMAT,
    version: INT_MODEL_VERSION,
    classes: Array.from({ length: classes }, (_, c) => `random_${c}`),
    dims,
    weights,
    biases,
    threshold: 1000,
    rule: 'margin',
    quantization: { scheme: 'per-vector-symmetric', limit: 127, rounding: 'nearest-even', arithmetic: 'float32' },
  };
}

export function randomModel(classes: number, dims: number, seed: number): IntModel {
  return parseIntModel(randomModelJson(classes, dims, seed), `random model ${classes}x${dims}`);
}

/** Draws `count` uniform int8 embeddings of length `dims`. */
export function randomEmbeddings(count: number, dims: number, seed: number): Int8Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => Int8Array.from({ length: dims }, () => random.integer(-128, 127)));
}

// Run directly, writes a random weights file:
// npx tsx compiler/synth/random-model.ts OUT.json CLASSES DIMS SEED
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, classes, dims, seed] = process.argv.slice(2);
  if (!out || !classes || !dims || !seed) {
    console.error('usage: npx tsx compiler/synth/random-model.ts OUT.json CLASSES DIMS SEED');
    process.exit(2);
  }
  writeFileSync(out, JSON.stringify(randomModelJson(Number(classes), Number(dims), Number(seed))) + '\n');
  console.log(`wrote a random ${classes} x ${dims} model (seed ${seed}) to ${out}`);
}
