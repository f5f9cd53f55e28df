// The host-side projection: PCA fitted on training vectors, the Hadamard rotation folded into it, and the joined
// descriptor of two networks that the projection takes.

import { expect } from 'chai';

import { describeSpec, rawDescriptor, rotatedCandidates } from '../../runtime/descriptors.ts';
import type { FaceEmbedding } from '../../runtime/face-api-embedder.ts';
import { fuseDescriptors, unitLength } from '../../runtime/features.ts';
import { applyProjection, fitPca, fitPcaBasis, hadamardMatrix, projectionOf, withHadamardRotation } from '../../runtime/projection.ts';
import { SeededRandom } from '../../runtime/random.ts';

/** Vectors with spread 10, 3 and 1 along three orthogonal directions, mean (1, 2, 3, 4), from a seeded generator. */
function sampleVectors(count: number): Float32Array[] {
  const random = new SeededRandom(7);
  const uniform = (): number => random.integer(-1000, 1000) / 1000;
  const directions = [
    [0.5, 0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5, -0.5],
    [0.5, 0.5, -0.5, -0.5],
  ];
  return Array.from({ length: count }, () => {
    const weights = [10 * uniform(), 3 * uniform(), uniform()];
    return Float32Array.from([1, 2, 3, 4], (mean, k) => mean + directions.reduce((sum, direction, d) => sum + weights[d]! * direction[k]!, 0));
  });
}

const norm = (vector: ArrayLike<number>): number => Math.sqrt(Array.from(vector).reduce((sum, value) => sum + value * value, 0));

describe('hadamardMatrix', () => {
  it('is orthogonal with entries of equal magnitude', () => {
    for (const n of [1, 2, 8, 128]) {
      const h = hadamardMatrix(n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += h[i * n + k]! * h[j * n + k]!;
          expect(dot, `n ${n}, rows ${i} and ${j}`).to.be.closeTo(i === j ? 1 : 0, 1e-12);
          expect(Math.abs(h[i * n + j]!)).to.be.closeTo(1 / Math.sqrt(n), 1e-15);
        }
      }
    }
  });

  it('follows the Sylvester pattern', () => {
    const h = Array.from(hadamardMatrix(4), (value) => Math.sign(value));
    expect(h).to.deep.equal([1, 1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1]);
  });

  it('rejects a size that is not a power of two', () => {
    expect(() => hadamardMatrix(96)).to.throw(/power of two dimensions, got 96/);
  });
});

describe('PCA projection', () => {
  const vectors = sampleVectors(400);

  it('finds the direction of largest spread first, with a positive largest entry', () => {
    const pca = fitPca(vectors, 1);
    const component = Array.from(pca.components);
    component.forEach((value) => expect(value).to.be.closeTo(0.5, 0.02));
    expect(Array.from(pca.mean)).to.satisfy((mean: number[]) => mean.every((value, k) => Math.abs(value - (k + 1)) < 0.5));
    // Variances 100/3, 9/3 and 1/3 of a uniform spread: the first keeps about 91 %.
    expect(pca.explainedVariance).to.be.closeTo(100 / 110, 0.03);
  });

  it('keeps the same leading components at every length', () => {
    const basis = fitPcaBasis(vectors);
    const two = projectionOf(basis, 2, false);
    const three = projectionOf(basis, 3, false);
    for (let k = 0; k < 4; k++) {
      for (let c = 0; c < 2; c++) expect(two.components[k * 2 + c]).to.equal(three.components[k * 3 + c]);
    }
  });

  it('rotation keeps lengths and spreads every component over every output', () => {
    const pca = fitPca(vectors, 4);
    const rotated = withHadamardRotation(pca);
    expect(rotated.rotated).to.equal(true);
    for (const vector of vectors.slice(0, 20)) {
      const plain = applyProjection(pca, vector);
      const turned = applyProjection(rotated, vector);
      expect(norm(turned)).to.be.closeTo(norm(plain), 1e-4);
    }
    // A vector along the first component alone comes out with four entries of equal magnitude.
    const alongFirst = Float32Array.from(pca.mean, (mean, k) => mean + 2 * pca.components[k * 4]!);
    applyProjection(rotated, alongFirst).forEach((value) => expect(Math.abs(value)).to.be.closeTo(1, 1e-5));
  });

  it('rejects a vector of wrong length', () => {
    const pca = fitPca(vectors, 2);
    expect(() => applyProjection(pca, new Float32Array(3))).to.throw(/projection takes 4 values, got 3/);
  });

  it('rejects more components than inputs', () => {
    expect(() => fitPca(vectors, 5)).to.throw(/PCA cannot keep 5 components of 4-D vectors/);
  });
});

describe('joined descriptors', () => {
  const embedding = (descriptor: number[], flipped: number[]): FaceEmbedding => ({
    detected: true,
    detectionScore: 1,
    box: [0, 0, 1, 1],
    descriptor: Float32Array.from(descriptor),
    flippedDescriptor: Float32Array.from(flipped),
  });

  it('scales each part to unit length and weights the second', () => {
    const joined = fuseDescriptors(Float32Array.from([3, 4]), Float32Array.from([0, 0, 2]), 1.5);
    expect(Array.from(joined)).to.deep.equal([Math.fround(0.6), Math.fround(0.8), 0, 0, 1.5]);
    expect(Array.from(unitLength(new Float32Array(3)))).to.deep.equal([0, 0, 0]);
  });

  it('averages with the mirror image before joining', () => {
    const first = embedding([2, 0], [0, 2]);
    const second = embedding([0, 5], [0, 3]);
    const joined = rawDescriptor([first, second], { flip: true, fusionWeight: 2, rotate: true });
    expect(Array.from(joined)).to.deep.equal([Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2), 0, 2]);
    expect(Array.from(rawDescriptor([first], { flip: false, fusionWeight: undefined, rotate: false }))).to.deep.equal([2, 0]);
  });

  it('lists the candidates the pipeline measures', () => {
    expect(rotatedCandidates('fused').map(describeSpec)).to.deep.equal([
      'plain, face-api weight 1, rotated',
      'plain, face-api weight 1.5, rotated',
      'plain, face-api weight 2, rotated',
      'mean with mirror image, face-api weight 1, rotated',
      'mean with mirror image, face-api weight 1.5, rotated',
      'mean with mirror image, face-api weight 2, rotated',
    ]);
    expect(rotatedCandidates('human').map(describeSpec)).to.deep.equal(['plain, rotated', 'mean with mirror image, rotated']);
  });
});
