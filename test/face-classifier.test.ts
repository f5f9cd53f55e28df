// The face classifier design against the integer golden model, in the
// TypeScript simulator and in Icarus Verilog: worst-case inputs, ties, a
// threshold equal to the best score, stalled results, both storage forms,
// and a fixed sample of real LFW faces when the trained model is present.

import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { faceSvm, packLanes, pipelineCycles, scoreWidth } from '../designs/face-svm.ts';
import { classifyInt, loadIntModel, parseIntModel, type IntModel } from '../runtime/integer-model.ts';
import { classifyOnHardware, loadWeights, resetDesign, setThreshold } from '../runtime/face-hardware.ts';
import { classifyInIcarus, writeFaceDesign } from '../runtime/face-icarus.ts';
import { readReplayVectors } from '../runtime/artifacts.ts';
import { icarusFaces, simulateFaces } from '../runtime/face-check.ts';
import { Simulator } from '../sim/simulator.ts';
import { requireTool } from './tools.ts';

const quantization = { scheme: 'per-vector-symmetric', limit: 127, rounding: 'trunc', arithmetic: 'float32' };

function model(weights: number[][], biases: number[], threshold: number, rule: 'score' | 'margin'): IntModel {
  return parseIntModel({
    format: 'hdlc-svm-int8', version: 1,
    classes: weights.map((_, i) => `class_${i}`),
    dims: weights[0].length, weights, biases, threshold, rule, quantization,
  });
}

const D = 16;
const fill = (value: number) => Array.from({ length: D }, () => value);
const alternate = (a: number, b: number) => Array.from({ length: D }, (_, i) => (i % 2 === 0 ? a : b));
const limit = 2 ** 31 - 1 - 128 * 128 * D;

/** Extreme weights and the largest biases the golden model accepts. */
const extreme = model(
  [fill(-128), fill(127), alternate(-128, 127), fill(0), fill(-128)],
  [limit, -limit, 0, -limit, limit],
  0,
  'score',
);

const extremeInputs = [fill(-128), fill(127), alternate(127, -128), alternate(-128, 127), fill(0)].map((v) => Int8Array.from(v));

interface Outcome {
  readonly classIndex: number;
  readonly score: bigint;
  readonly unknown: boolean;
}

function simulate(m: IntModel, faces: readonly Int8Array[], lanes: number, storage: 'rom' | 'ram', stall = 0, threshold?: bigint): (Outcome & { cycles: number })[] {
  const sim = new Simulator(faceSvm(m, { lanes, storage }).elaborate());
  resetDesign(sim);
  if (storage === 'ram') {
    loadWeights(sim, m, lanes);
  }
  if (threshold !== undefined) {
    setThreshold(sim, threshold);
  }
  return faces.map((x) => classifyOnHardware(sim, x, { lanes, stallCycles: stall }));
}

function icarus(m: IntModel, faces: readonly Int8Array[], lanes: number, storage: 'rom' | 'ram', stall = 0, threshold?: bigint): Outcome[] {
  const top = faceSvm(m, { lanes, storage }).elaborate();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hdlc-face-test-'));
  try {
    const options = writeFaceDesign(top, dir, lanes, storage);
    return classifyInIcarus(m, faces, { ...options, threshold, stallCycles: () => stall });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectMatches(actual: readonly Outcome[], m: IntModel, faces: readonly Int8Array[], threshold?: bigint): void {
  const golden = threshold === undefined ? m : { ...m, threshold: Number(threshold) };
  faces.forEach((x, i) => {
    const expected = classifyInt(golden, x);
    expect(actual[i].classIndex, `face ${i} class`).to.equal(expected.classIndex);
    expect(actual[i].score, `face ${i} score`).to.equal(expected.score);
    expect(actual[i].unknown, `face ${i} flag`).to.equal(expected.unknown);
  });
}

describe('face classifier design', () => {
  it('score width bounds extreme sums', () => {
    expect(scoreWidth(extreme)).to.equal(32);
  });

  for (const storage of ['rom', 'ram'] as const) {
    for (const lanes of [1, 4, 16]) {
      it(`extreme inputs match golden (${storage}, ${lanes} lanes)`, function () {
        const results = simulate(extreme, extremeInputs, lanes, storage);
        expectMatches(results, extreme, extremeInputs);
        for (const r of results) {
          expect(r.cycles).to.equal(D / lanes + extreme.classes.length * D / lanes + pipelineCycles(D, lanes));
        }
        requireTool(this, 'iverilog');
        expectMatches(icarus(extreme, extremeInputs, lanes, storage), extreme, extremeInputs);
      });
    }
  }

  it('ties go to the lowest class index', function () {
    const tied = model([fill(3), fill(5), fill(5), fill(-2)], [10, 0, 0, 10], 1, 'margin');
    const faces = [fill(2), fill(0), fill(-1)].map((v) => Int8Array.from(v));
    const results = simulate(tied, faces, 4, 'rom');
    expectMatches(results, tied, faces);
    expect(results[0].classIndex).to.equal(1);
    expect(results[1].classIndex).to.equal(0);
    expect(results[1].unknown).to.equal(true);
    requireTool(this, 'iverilog');
    expectMatches(icarus(tied, faces, 4, 'rom'), tied, faces);
  });

  it('threshold equal to best score accepts', function () {
    const faces = [Int8Array.from(alternate(5, -7))];
    const best = classifyInt(extreme, faces[0]).score;
    for (const threshold of [best, best + 1n]) {
      const results = simulate(extreme, faces, 4, 'rom', 0, threshold);
      expectMatches(results, extreme, faces, threshold);
      expect(results[0].unknown).to.equal(threshold > best);
    }
    requireTool(this, 'iverilog');
    expectMatches(icarus(extreme, faces, 4, 'rom', 0, best), extreme, faces, best);
    expectMatches(icarus(extreme, faces, 4, 'rom', 0, best + 1n), extreme, faces, best + 1n);
  });

  it('back-to-back faces with a stalled result', function () {
    const small = loadIntModel('test/fixtures/small-weights.json');
    const faces = Array.from({ length: 6 }, (_, f) => Int8Array.from({ length: small.dims }, (_, i) => ((f * 37 + i * 11) % 256) - 128));
    expectMatches(simulate(small, faces, 4, 'ram', 7), small, faces);
    requireTool(this, 'iverilog');
    expectMatches(icarus(small, faces, 4, 'ram', 7), small, faces);
  });

  it('holds input off while the result waits', () => {
    const small = loadIntModel('test/fixtures/small-weights.json');
    const sim = new Simulator(faceSvm(small, { lanes: 4, storage: 'rom' }).elaborate());
    resetDesign(sim);
    const x = Int8Array.from({ length: small.dims }, (_, i) => i - 8);
    const expected = classifyInt(small, x);

    sim.set('x_valid', 1);
    for (let beat = 0; beat < small.dims / 4; beat++) {
      sim.setBits('x_data', packLanes(x, beat * 4, 4));
      expect(sim.get('x_ready')).to.equal(1n);
      sim.step();
    }
    while (sim.get('result_valid') === 0n) {
      sim.step();
    }

    // x_valid stays 1 with a result pending: no beat may be taken.
    for (let i = 0; i < 10; i++) {
      expect(sim.get('x_ready')).to.equal(0n);
      expect(sim.get('result_valid')).to.equal(1n);
      expect(sim.get('result_score')).to.equal(expected.score);
      sim.step();
    }
    sim.set('result_ready', 1);
    sim.step();
    expect(sim.get('result_valid')).to.equal(0n);
    expect(sim.get('x_ready')).to.equal(1n);
  });
});

const weightsFile = 'generated/lfw/weights.json';
const vectorsBase = 'generated/lfw/test-set';

describe('face classifier on real LFW faces', () => {
  it('a fixed sample agrees in both simulators', function () {
    if (!fs.existsSync(weightsFile) || !fs.existsSync(`${vectorsBase}.json`)) {
      throw new Error(`${weightsFile} or ${vectorsBase}.json is missing; run npm run pipeline to make them`);
    }
    const lfw = loadIntModel(weightsFile);
    const all = readReplayVectors(vectorsBase, lfw.dims);
    const sample = [...all.filter((e) => e.set === 'test').slice(0, 6), ...all.filter((e) => e.set !== 'test').slice(0, 4)];
    const top = faceSvm(lfw, { lanes: 8, storage: 'rom' }).elaborate();
    const faces = sample.map((e) => e.vector);
    expectMatches(simulateFaces(lfw, top, sample, 8, 'rom', true), lfw, faces);
    requireTool(this, 'iverilog');
    expectMatches(icarusFaces(lfw, top, sample, 8, 'rom', 200, true), lfw, faces);
  });
});
