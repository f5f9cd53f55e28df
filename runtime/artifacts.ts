/**
 * Files the hardware side reads: the integer model's weights JSON and the INT8 vectors to replay through it, with
 * the reader of the vectors. Both are written with a fixed key order and no timestamps, so equal inputs give
 * byte-identical files.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { classifyInt, INT_MODEL_FORMAT, INT_MODEL_VERSION, type IntClassification, type IntModel } from './integer-model.ts';

/** Facts about how the model was made, stored next to the weights. */
export interface ModelProvenance {
  descriptor: { model: string; preprocessing: string; backend: string; flip: boolean; fusionWeight: number | null; projection: string };
  svm: { C: number; loss: string; bias: number; epsilon: number; maxIterations: number };
  weightScale: number;
  featureScale: number;
  threshold: { maxFalseAcceptRate: number; confidence: number; calibrationStrangers: number; negativeStrangers: number };
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

export interface ReplayEntry {
  /** Row of the entry in the index and binary files. */
  readonly row: number;
  readonly file: string;
  readonly set: string;
  readonly label: number;
  /** Outcome of classifyInt for this vector with the weights that the files were written with. */
  readonly expected: IntClassification;
  readonly vector: Int8Array;
}

/** Returns the index and binary file of the replay vectors at `base`, which may already end in `.json` or `.bin`. */
export function replayVectorFiles(base: string): { indexFile: string; binaryFile: string } {
  const stem = base.replace(/\.(json|bin)$/, '');
  return { indexFile: `${stem}.json`, binaryFile: `${stem}.bin` };
}

const rewriteHint = 'rerun the training pipeline (npm run pipeline) to rewrite it';

function parseReplayIndex(indexFile: string): { dims: number; entries: unknown[] } {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(indexFile, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new Error(`${indexFile} is not valid JSON (${error.message}); ${rewriteHint}`);
    }
    throw error;
  }
  const fields = (typeof index === 'object' && index !== null ? index : {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(fields.dims) || !Array.isArray(fields.entries)) {
    throw new Error(`${indexFile} is missing an integer 'dims' or an 'entries' array; ${rewriteHint}`);
  }
  return { dims: fields.dims as number, entries: fields.entries };
}

/** Checks the fields of one index entry. The vector itself comes from the binary file. */
function parseReplayEntry(indexFile: string, value: unknown, row: number): Omit<ReplayEntry, 'vector'> {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const field = <T>(name: string, valid: (v: unknown) => boolean, kind: string): T => {
    if (!valid(entry[name])) {
      const found = entry[name] === undefined ? `no ${name}` : `${name} ${JSON.stringify(entry[name])}`;
      throw new Error(`${indexFile} entry ${row} has ${found}, expected ${kind}; ${rewriteHint}`);
    }
    return entry[name] as T;
  };
  const isString = (v: unknown) => typeof v === 'string';
  const isBoolean = (v: unknown) => typeof v === 'boolean';
  return {
    row,
    file: field<string>('file', isString, 'a string'),
    set: field<string>('set', isString, 'a string'),
    label: field<number>('label', Number.isSafeInteger, 'an integer'),
    expected: {
      classIndex: field<number>('classIndex', Number.isSafeInteger, 'an integer'),
      score: BigInt(field<number>('score', Number.isSafeInteger, 'an integer')),
      secondScore: BigInt(field<number>('secondScore', Number.isSafeInteger, 'an integer')),
      unknown: field<boolean>('unknown', isBoolean, 'true or false'),
    },
  };
}

/**
 * Reads `<base>.json` and `<base>.bin` as writeReplayVectors writes them. A `base` that ends
 * in `.json` or `.bin` names the same pair.
 */
export function readReplayVectors(base: string, dims: number): ReplayEntry[] {
  const { indexFile, binaryFile } = replayVectorFiles(base);
  for (const file of [indexFile, binaryFile]) {
    if (!existsSync(file)) {
      throw new Error(
        `replay vectors file '${file}' not found (looked for ${indexFile} and ${binaryFile}); ` +
        'run the training pipeline first (npm run pipeline) or pass the path of an existing pair',
      );
    }
  }
  const index = parseReplayIndex(indexFile);
  if (index.dims !== dims) {
    throw new Error(`${indexFile} contains ${index.dims}-value vectors but the weights expect ${dims}; use the vectors written with these weights`);
  }
  const entries = index.entries.map((value, row) => parseReplayEntry(indexFile, value, row));
  const bytes = readFileSync(binaryFile);
  if (bytes.length !== entries.length * dims) {
    throw new Error(`${binaryFile} has ${bytes.length} bytes, expected ${entries.length} vectors of ${dims}`);
  }
  const all = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return entries.map((entry) => ({ ...entry, vector: all.slice(entry.row * dims, (entry.row + 1) * dims) }));
}
