// Per-vector INT8 quantization: every combination of rounding and arithmetic against values computed with
// NumPy 2.4.6 (`e * (127 / np.abs(e).max())`, then `astype(np.int8)` or `np.rint(...).astype(np.int8)`).

import { expect } from 'chai';

import { quantizationScale, quantizeVector, roundHalfToEven, type QuantizeSettings } from '../../runtime/quantize.ts';

const fromHex = (hex: string): Float32Array => new Float32Array(new Uint8Array(Buffer.from(hex, 'hex')).buffer);

const F32_TRUNC: QuantizeSettings = { rounding: 'trunc', arithmetic: 'float32' };
const F32_NEAREST: QuantizeSettings = { rounding: 'nearest-even', arithmetic: 'float32' };
const F64_TRUNC: QuantizeSettings = { rounding: 'trunc', arithmetic: 'float64' };
const F64_NEAREST: QuantizeSettings = { rounding: 'nearest-even', arithmetic: 'float64' };

// Float32 vectors given by their little-endian bytes, so the inputs are exactly NumPy's.
const NUMPY_CASES = [
  {
    name: 'max element lands on 126.99... in float64',
    hex: 'aefd00397bbbf43ce092e0bca964b6bdb03b3abdd716cbbd',
    expected: new Map([
      [F32_TRUNC, [0, 38, -35, -114, -58, -127]],
      [F32_NEAREST, [0, 38, -35, -114, -58, -127]],
      [F64_TRUNC, [0, 38, -35, -114, -58, -126]],
      [F64_NEAREST, [0, 38, -35, -114, -58, -127]],
    ]),
  },
  {
    name: 'rounding differs from truncation',
    hex: '1c14c53bf03c093e989b49bd82257ebda9a3483d512e123d',
    expected: new Map([
      [F32_TRUNC, [5, 127, -46, -58, 46, 33]],
      [F32_NEAREST, [6, 127, -47, -59, 46, 34]],
      [F64_TRUNC, [5, 126, -46, -58, 46, 33]],
      [F64_NEAREST, [6, 127, -47, -59, 46, 34]],
    ]),
  },
];

describe('quantizeVector', () => {
  for (const { name, hex, expected } of NUMPY_CASES) {
    for (const [settings, values] of expected) {
      it(`${name}: ${settings.rounding}, ${settings.arithmetic}`, () => {
        expect(Array.from(quantizeVector(fromHex(hex), settings))).to.deep.equal(values);
      });
    }
  }

  it('ties round to even, truncation goes toward zero', () => {
    const e = Float32Array.of(127, 2.5, -2.5, 3.5, -0.5, 0.49999997, -126.5);
    expect(Array.from(quantizeVector(e, F32_NEAREST))).to.deep.equal([127, 2, -2, 4, 0, 0, -126]);
    expect(Array.from(quantizeVector(e, F32_TRUNC))).to.deep.equal([127, 2, -2, 3, 0, 0, -126]);
  });

  it('all-zero vector gives zeros', () => {
    expect(Array.from(quantizeVector(new Float32Array(4), F32_NEAREST))).to.deep.equal([0, 0, 0, 0]);
    expect(quantizationScale(new Float32Array(4), 'float32')).to.equal(0);
  });

  it('largest magnitude maps to 127 when rounding', () => {
    const e = Float32Array.of(-0.31, 0.2, 0.05);
    const q = quantizeVector(e, F32_NEAREST);
    expect(q[0]).to.equal(-127);
  });

  it('float32 scale is rounded to float32', () => {
    const e = fromHex('aefd00397bbbf43ce092e0bca964b6bdb03b3abdd716cbbd');
    expect(quantizationScale(e, 'float32')).to.equal(1280.6982421875);
    expect(quantizationScale(e, 'float64')).to.be.closeTo(1280.6982191499328, 1e-9);
  });
});

describe('roundHalfToEven', () => {
  const cases: Array<[number, number]> = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, 0],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999, 2],
    [-2.5001, -3],
    [7, 7],
  ];
  for (const [input, output] of cases) {
    it(`${input} rounds to ${output}`, () => {
      // Adding 0 turns -0 into 0, which chai's equal would tell apart.
      expect(roundHalfToEven(input) + 0).to.equal(output);
    });
  }
});
