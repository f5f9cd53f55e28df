/**
 * Files the hardware side reads: the integer model's weights JSON and the INT8 vectors to replay through it.
 * Both are written with a fixed key order and no timestamps, so equal inputs give byte-identical files.
 */

import { writeFileSync } from 'node:fs';

import { classifyInt, INT_MODEL_FORMAT, INT_MODEL_VERSION, type IntModel } from './integer-model.ts';

/** Facts about how the model was made, stored next to the weights. */
export interface ModelProvenance {
  descriptor: { model: string; preprocessing: string; backend: string; flip: boolean; projection: string };
  svm: { C: number; loss: string; bias: number; epsilon: number; maxIterations: number };
  weightScale: number;
  featureScale: number;
  threshold: { maxFalseAcceptRate: number; calibrationStrangers: number; negativeStrangers: number };
  split: { seed: number; testFraction: number; train: number; test: number };
}

/** Serializes the model with one line per weight row, so the file stays readable and diffs stay small. */
export function formatIntModel(model: IntModel, provenance: ModelProvenance): string {
  const head = {
    format: INT_MODEL_FORMAT,
    version: INT_MODEL_VERSION,
    description:
      'INT8 one-vs-rest linear SVM. Score of class c: biases[c] + sum_k weights[c][k] * x[k] over an int8 embedding x, ' +
      'accumulated exactly in at least 32 bits. Predicted class: argmax, ties to the lowest index. Unknown when ' +
      '(rule "score") the best score < threshold, or (rule "margin") best - second-best < threshold.',
    dims: model.dims,
    classCount: model.classes.length,
    rule: model.rule,
    threshold: model.threshold,
    quantization: model.quantization,
    provenance,
  };
  const lines = JSON.stringify(head, null, 2).split('\n');
  lines.pop();
  lines[lines.length - 1] += ',';
  lines.push(`  "classes": ${JSON.stringify(model.classes)},`);
  lines.push(`  "biases": ${JSON.stringify(Array.from(model.biases))},`);
  lines.push('  "weights": [');
  model.weights.forEach((row, c) => {
    lines.push(`    ${JSON.stringify(Array.from(row))}${c + 1 < model.weights.length ? ',' : ''}`);
  });
  lines.push('  ]', '}');
  return lines.join('\n') + '\n';
}

export const VECTOR_SET_FORMAT = 'hdlc-int8-vectors';

export interface ReplayVector {
  /** Image file name relative to its data set, prefixed with `faces/` or `strangers/`. */
  file: string;
  set: 'test' | 'stranger-evaluation';
  /** True class index, or -1 for a stranger. */
  label: number;
  vector: Int8Array;
}

/**
 * Writes the vectors as `<base>.bin`, rows of `dims` int8 values back to back, and `<base>.json`, the index with
 * one entry per row: file, set, label and the integer model's expected output for it.
 */
export function writeReplayVectors(base: string, model: IntModel, vectors: readonly ReplayVector[]): void {
  const binary = new Int8Array(vectors.length * model.dims);
  const entries = vectors.map((entry, row) => {
    binary.set(entry.vector, row * model.dims);
    const expected = classifyInt(model, entry.vector);
    return {
      file: entry.file,
      set: entry.set,
      label: entry.label,
      classIndex: expected.classIndex,
      score: Number(expected.score),
      secondScore: Number(expected.secondScore),
      unknown: expected.unknown,
    };
  });
  writeFileSync(`${base}.bin`, binary);

  const index = {
    format: VECTOR_SET_FORMAT,
    version: 1,
    description:
      `Row i of ${base.split('/').pop()}.bin is the int8 embedding of entries[i], ${model.dims} bytes. ` +
      'label is the true class index, -1 for a stranger; classIndex, score, secondScore and unknown are what ' +
      'classifyInt returns for it with weights.json.',
    dims: model.dims,
    count: vectors.length,
    entries: [] as unknown[],
  };
  const lines = JSON.stringify(index, null, 2).split('\n');
  lines.splice(lines.length - 2, 2, '  "entries": [');
  entries.forEach((entry, i) => lines.push(`    ${JSON.stringify(entry)}${i + 1 < entries.length ? ',' : ''}`));
  lines.push('  ]', '}');
  writeFileSync(`${base}.json`, lines.join('\n') + '\n');
}
