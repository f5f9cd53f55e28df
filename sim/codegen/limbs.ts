// The compiled back end's value layout: a value of `width` bits is stored as
// ceil(width / 32) limbs of 32 bits, least significant limb first, each an
// unsigned integer in a Uint32Array. Bits above `width` in the top limb are
// always 0, so the limbs contain exactly the bits of the IR's bit pattern.

export const LIMB_BITS = 32;
export const LIMB_MODULUS = 4294967296;

export function limbCount(width: number): number {
  return Math.ceil(width / LIMB_BITS);
}

/** Returns the number of bits in limb `k` of a `width`-bit value: 32 for every limb but maybe the top one. */
export function limbWidth(width: number, k: number): number {
  return Math.min(LIMB_BITS, width - LIMB_BITS * k);
}

/** Returns the largest value of `bits` bits, 1 to 32, as a number. */
export function limbMask(bits: number): number {
  return bits === LIMB_BITS ? 0xffffffff : (1 << bits) - 1 >>> 0;
}

/** Splits a bit pattern of `width` bits into its limbs. */
export function splitBits(bits: bigint, width: number): number[] {
  const limbs: number[] = [];
  for (let k = 0; k < limbCount(width); k++) {
    limbs.push(Number(BigInt.asUintN(LIMB_BITS, bits >> BigInt(LIMB_BITS * k))));
  }
  return limbs;
}

/** Joins `count` limbs starting at `offset` back into a bit pattern. */
export function joinLimbs(limbs: ArrayLike<number>, offset: number, count: number): bigint {
  if (count === 1) {
    return BigInt(limbs[offset]);
  }
  let bits = 0n;
  for (let k = count - 1; k >= 0; k--) {
    bits = (bits << 32n) | BigInt(limbs[offset + k]);
  }
  return bits;
}
