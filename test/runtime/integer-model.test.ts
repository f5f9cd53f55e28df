// The integer golden model: scores, argmax ties, runner-up, both rejection rules at their boundary, and the
// checks that loadIntModel applies to a weights file.

import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { classifyInt, loadIntModel, parseIntModel, scoresInt, type IntModel } from '../../runtime/integer-model.ts';

function model(overrides: Partial<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    format: 'hdlc-svm-int8',
    version: 1,
    classes: ['a', 'b', 'c'],
    dims: 3,
    weights: [
      [1, 0, 0],
      [0, 1, 0],
      [-127, -127, 127],
    ],
    biases: [0, 0, -100],
    threshold: 10,
    rule: 'score',
    quantization: { scheme: 'per-vector-symmetric', limit: 127, rounding: 'nearest-even', arithmetic: 'float32' },
    ...overrides,
  };
}

const parsed = (overrides: Partial<Record<string, unknown>> = {}): IntModel => parseIntModel(model(overrides));

describe('classifyInt', () => {
  it('scores are bias plus dot product', () => {
    expect(scoresInt(parsed(), Int8Array.of(3, 4, 5))).to.deep.equal([3, 4, -381 - 508 + 635 - 100]);
  });

  it('returns bigint scores', () => {
    const result = classifyInt(parsed(), Int8Array.of(20, 4, 0));
    expect(result.classIndex).to.equal(0);
    expect(result.score).to.equal(20n);
    expect(result.secondScore).to.equal(4n);
  });

  it('argmax ties go to the lowest class', () => {
    const result = classifyInt(parsed(), Int8Array.of(7, 7, 0));
    expect(result.classIndex).to.equal(0);
    expect(result.score).to.equal(7n);
    expect(result.secondScore).to.equal(7n);
  });

  it('extreme inputs do not overflow', () => {
    const result = classifyInt(parsed(), Int8Array.of(-128, 127, -128));
    expect(result.classIndex).to.equal(1);
    expect(result.score).to.equal(127n);
    const worst = scoresInt(parsed(), Int8Array.of(-128, 127, -128))[2];
    expect(worst).to.equal(-127 * -128 - 127 * 127 + 127 * -128 - 100);
  });

  describe('score rule', () => {
    it('best score equal to threshold is known', () => {
      expect(classifyInt(parsed(), Int8Array.of(10, 0, 0)).unknown).to.equal(false);
    });
    it('best score below threshold is unknown', () => {
      expect(classifyInt(parsed(), Int8Array.of(9, 0, 0)).unknown).to.equal(true);
    });
    it('negative threshold accepts negative scores', () => {
      expect(classifyInt(parsed({ threshold: -5 }), Int8Array.of(-5, -6, 0)).unknown).to.equal(false);
    });
  });

  describe('margin rule', () => {
    it('margin equal to threshold is known', () => {
      expect(classifyInt(parsed({ rule: 'margin' }), Int8Array.of(30, 20, 0)).unknown).to.equal(false);
    });
    it('margin below threshold is unknown', () => {
      expect(classifyInt(parsed({ rule: 'margin' }), Int8Array.of(30, 21, 0)).unknown).to.equal(true);
    });
    it('a tie has margin zero', () => {
      expect(classifyInt(parsed({ rule: 'margin', threshold: 0 }), Int8Array.of(5, 5, 0)).unknown).to.equal(false);
      expect(classifyInt(parsed({ rule: 'margin', threshold: 1 }), Int8Array.of(5, 5, 0)).unknown).to.equal(true);
    });
  });

  it('rejects a vector of the wrong length', () => {
    expect(() => classifyInt(parsed(), Int8Array.of(1, 2))).to.throw(/2 values, the model expects 3/);
  });
});

describe('parseIntModel', () => {
  const invalid: Array<[string, Partial<Record<string, unknown>>, RegExp]> = [
    ['wrong format', { format: 'other' }, /format/],
    ['wrong version', { version: 2 }, /version/],
    ['one class', { classes: ['a'] }, /at least two/],
    ['short weight row', { weights: [[1, 0, 0], [0, 1], [0, 0, 1]] }, /row 1 must have 3/],
    ['weight above int8', { weights: [[128, 0, 0], [0, 1, 0], [0, 0, 1]] }, /outside int8/],
    ['fractional weight', { weights: [[0.5, 0, 0], [0, 1, 0], [0, 0, 1]] }, /outside int8/],
    ['bias that could overflow int32', { biases: [2 ** 31 - 10, 0, 0] }, /inside int32/],
    ['fractional threshold', { threshold: 1.5 }, /threshold/],
    ['unknown rule', { rule: 'ratio' }, /rule/],
    ['missing quantization', { quantization: undefined }, /quantization/],
  ];
  for (const [name, overrides, message] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => parseIntModel(model(overrides))).to.throw(message);
    });
  }

  it('loadIntModel reads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-int-model-'));
    const path = join(dir, 'weights.json');
    writeFileSync(path, JSON.stringify(model()));
    const loaded = loadIntModel(path);
    expect(loaded.classes).to.deep.equal(['a', 'b', 'c']);
    expect(Array.from(loaded.weights[2]!)).to.deep.equal([-127, -127, 127]);
    expect(Array.from(loaded.biases)).to.deep.equal([0, 0, -100]);
  });

  it('loadIntModel names a missing file', () => {
    expect(() => loadIntModel('/nonexistent/weights.json')).to.throw(/cannot read the weights file \/nonexistent\/weights.json/);
  });
});
