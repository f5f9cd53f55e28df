/**
 * Seeded pseudo-random numbers for the split, the folds and the solver's visiting order: xoroshiro128+ from the
 * pure-rand package, with its unbiased integer distribution, so a seed gives the same sequence on every platform.
 */

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export class SeededRandom {
  private readonly generator;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed);
  }

  /** Returns an integer in `min..max`, both included. */
  integer(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  /** Shuffles `items` in place (Fisher-Yates, from the last position down) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(0, i);
      const swap = items[i]!;
      items[i] = items[j]!;
      items[j] = swap;
    }
    return items;
  }
}
