/**
 * Per-vector symmetric INT8 quantization of embeddings: `scale = 127 / max|e|`, `q = convert(e * scale)`.
 *
 * Two settings pin the arithmetic, and every combination is available:
 * - `arithmetic: 'float32'` rounds `max|e|`, the scale and each product to float32, as NumPy 2 does for
 *   `e * (127 / np.abs(e).max())` on a float32 array `e`. `'float64'` keeps them in float64.
 * - `rounding: 'trunc'` converts toward zero, as NumPy's `astype(np.int8)` does for values inside the int8 range.
 *   `'nearest-even'` rounds to nearest with ties to even, as `np.rint`.
 *
 * Results are clamped to -127..127. The product cannot leave that range by more than one float32 rounding step, so
 * the clamp only matters at exactly `max|e|`. An all-zero vector quantizes to all zeros.
 */

export type QuantizeRounding = 'trunc' | 'nearest-even';
export type QuantizeArithmetic = 'float32' | 'float64';

export interface QuantizeSettings {
  rounding: QuantizeRounding;
  arithmetic: QuantizeArithmetic;
}

export const INT8_LIMIT = 127;

/** Rounds to the nearest integer, ties to the even one (IEEE 754 roundTiesToEven, NumPy's `rint`). */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Returns the scale `127 / max|e|` in the chosen arithmetic, or 0 for an all-zero vector. */
export function quantizationScale(embedding: ArrayLike<number>, arithmetic: QuantizeArithmetic): number {
  const round = arithmetic === 'float32' ? Math.fround : (value: number) => value;
  let maxAbs = 0;
  for (let i = 0; i < embedding.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(round(embedding[i]!)));
  }
  return maxAbs === 0 ? 0 : round(INT8_LIMIT / maxAbs);
}

/** Quantizes one embedding to int8 with the given settings. */
export function quantizeVector(embedding: ArrayLike<number>, settings: QuantizeSettings): Int8Array {
  const round = settings.arithmetic === 'float32' ? Math.fround : (value: number) => value;
  const convert = settings.rounding === 'trunc' ? Math.trunc : roundHalfToEven;
  const scale = quantizationScale(embedding, settings.arithmetic);

  const out = new Int8Array(embedding.length);
  for (let i = 0; i < embedding.length; i++) {
    const product = round(round(embedding[i]!) * scale);
    out[i] = Math.max(-INT8_LIMIT, Math.min(INT8_LIMIT, convert(product)));
  }
  return out;
}
