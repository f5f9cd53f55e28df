/**
 * Deterministic stratified splits.
 *
 * Train/test split, drawn so that anyone can redo it from the sorted file list and the seed:
 * 1. The test set has `ceil(testFraction * n)` samples, as in scikit-learn's `train_test_split`.
 * 2. Class c gets `floor(n_c * testTotal / n)` test samples. The samples still missing go one each to the classes
 *    with the largest fractional parts, ties to the lower class index (largest-remainder apportionment). A class
 *    never gives up all its samples to the test set.
 * 3. One xoroshiro128+ generator seeded with `seed` shuffles each class's sample indices in turn, classes in index
 *    order (Fisher-Yates); the first `t_c` shuffled samples of class c are its test samples.
 * Both returned lists are in ascending sample index order.
 *
 * This follows the reference protocol (stratified 80/20, seed 42) in its class proportions and sizes but does not
 * reproduce scikit-learn's sample choice, which depends on NumPy's generator and on the reference's file order.
 */

import { SeededRandom } from './random.ts';

export interface TrainTestSplit {
  train: number[];
  test: number[];
}

/** Apportions `testTotal` test samples over classes of the given sizes by the largest-remainder rule above. */
export function testCountsByClass(classSizes: readonly number[], testTotal: number): number[] {
  const total = classSizes.reduce((sum, size) => sum + size, 0);
  const counts = classSizes.map((size) => Math.floor((size * testTotal) / total));
  let missing = testTotal - counts.reduce((sum, count) => sum + count, 0);

  const order = classSizes
    .map((size, index) => ({ index, remainder: (size * testTotal) % total }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (missing === 0) break;
    if (counts[index]! + 1 < classSizes[index]!) {
      counts[index]!++;
      missing--;
    }
  }
  // Step 2 never takes a class's last sample, so cap the floors the same way.
  return counts.map((count, index) => Math.min(count, Math.max(0, classSizes[index]! - 1)));
}

function indicesByClass(labels: readonly number[], classCount: number): number[][] {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  labels.forEach((label, index) => byClass[label]!.push(index));
  return byClass;
}

/** Splits sample indices into train and test, stratified by `labels` (class indices 0..C-1). */
export function stratifiedTrainTestSplit(labels: readonly number[], testFraction: number, seed: number): TrainTestSplit {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new Error(`test fraction ${testFraction} must be between 0 and 1`);
  }
  const classCount = labels.reduce((max, label) => Math.max(max, label + 1), 0);
  const byClass = indicesByClass(labels, classCount);
  const testTotal = Math.ceil(testFraction * labels.length);
  const counts = testCountsByClass(
    byClass.map((indices) => indices.length),
    testTotal,
  );

  const random = new SeededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((indices, label) => {
    const shuffled = random.shuffle([...indices]);
    test.push(...shuffled.slice(0, counts[label]));
    train.push(...shuffled.slice(counts[label]));
  });
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/**
 * Assigns each sample to one of `folds` cross-validation folds, stratified by class. Each class's samples are
 * shuffled with a generator seeded by `seed` and dealt round-robin. A class starts at the fold after the one where
 * the previous class stopped, so fold sizes differ by at most one.
 */
export function stratifiedFolds(labels: readonly number[], folds: number, seed: number): number[] {
  const classCount = labels.reduce((max, label) => Math.max(max, label + 1), 0);
  const byClass = indicesByClass(labels, classCount);
  const random = new SeededRandom(seed);
  const foldOf = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const indices of byClass) {
    for (const index of random.shuffle([...indices])) {
      foldOf[index] = next;
      next = (next + 1) % folds;
    }
  }
  return foldOf;
}

/** Splits a list of identities in two halves by a seeded shuffle: the first `floor(n / 2)` and the rest. */
export function splitIdentitiesInHalf(identities: readonly string[], seed: number): [first: string[], second: string[]] {
  const shuffled = new SeededRandom(seed).shuffle([...identities]);
  const half = Math.floor(shuffled.length / 2);
  return [shuffled.slice(0, half).sort(), shuffled.slice(half).sort()];
}
