// Stratified splits on the real LFW listing: sizes of the reference protocol, stratification, and determinism.

import { expect } from 'chai';

import { listDataset } from '../../runtime/dataset.ts';
import { splitIdentitiesInHalf, stratifiedFolds, stratifiedTrainTestSplit, testCountsByClass } from '../../runtime/split.ts';

const FACES = '../shared/data/lfw_deepfunneled_min5';
const STRANGERS = '../shared/data/lfw_deepfunneled_lt5';

describe('stratified split', () => {
  const faces = listDataset(FACES, 5);
  const classOf = new Map(faces.identities.map((name, index) => [name, index]));
  const labels = faces.images.map((image) => classOf.get(image.identity)!);
  const split = stratifiedTrainTestSplit(labels, 0.2, 42);

  it('LFW listing has 423 people and 5,985 images', () => {
    expect(faces.identities).to.have.length(423);
    expect(faces.images).to.have.length(5985);
  });

  it('has the reference sizes 4,788 / 1,197', () => {
    expect(split.train).to.have.length(4788);
    expect(split.test).to.have.length(1197);
  });

  it('train and test cover every image once', () => {
    const all = [...split.train, ...split.test].sort((a, b) => a - b);
    expect(all).to.deep.equal(labels.map((_, i) => i));
  });

  it('every person is in both sets', () => {
    const testPeople = new Set(split.test.map((i) => labels[i]));
    const trainPeople = new Set(split.train.map((i) => labels[i]));
    expect(testPeople.size).to.equal(423);
    expect(trainPeople.size).to.equal(423);
  });

  it('each person gives a fifth, rounded by largest remainder', () => {
    const sizes = faces.identities.map((_, c) => labels.filter((label) => label === c).length);
    const counts = testCountsByClass(sizes, 1197);
    faces.identities.forEach((_, c) => {
      const test = split.test.filter((i) => labels[i] === c).length;
      expect(test, faces.identities[c]).to.equal(counts[c]);
      expect(Math.abs(test - sizes[c]! / 5), faces.identities[c]).to.be.below(1);
    });
  });

  it('same seed gives the same split', () => {
    const again = stratifiedTrainTestSplit(labels, 0.2, 42);
    expect(again.test).to.deep.equal(split.test);
  });

  it('is pinned: first test images of seed 42', () => {
    expect(split.test.slice(0, 6).map((i) => faces.images[i]!.relativePath)).to.deep.equal(FIRST_TEST_IMAGES);
  });

  it('another seed gives another split', () => {
    const other = stratifiedTrainTestSplit(labels, 0.2, 43);
    expect(other.test).to.have.length(1197);
    expect(other.test).to.not.deep.equal(split.test);
  });

  it('rejects a test fraction of 1', () => {
    expect(() => stratifiedTrainTestSplit(labels, 1, 42)).to.throw(/between 0 and 1/);
  });
});

describe('testCountsByClass', () => {
  it('gives leftovers to the largest remainders, ties to the lower class', () => {
    // Exact shares 1.6, 1.6, 0.8: floors 1, 1, 0; two left over go to class 2 (0.8), then class 0 (0.6, first).
    expect(testCountsByClass([8, 8, 4], 4)).to.deep.equal([2, 1, 1]);
  });
  it('never takes a class whole', () => {
    expect(testCountsByClass([1, 9], 2)).to.deep.equal([0, 2]);
  });
});

describe('stratifiedFolds', () => {
  it('fold sizes differ by at most one and each class is spread', () => {
    const labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2];
    const folds = stratifiedFolds(labels, 5, 42);
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
    for (const c of [0, 1]) {
      expect(new Set(folds.filter((_, i) => labels[i] === c)).size).to.equal(5);
    }
    expect(stratifiedFolds(labels, 5, 42)).to.deep.equal(folds);
  });
});

describe('stranger halves', () => {
  it('split people, not images, deterministically', () => {
    const strangers = listDataset(STRANGERS, 1);
    const [first, second] = splitIdentitiesInHalf(strangers.identities, 42);
    expect(first.length + second.length).to.equal(strangers.identities.length);
    expect(first.length).to.equal(Math.floor(strangers.identities.length / 2));
    const overlap = first.filter((name) => second.includes(name));
    expect(overlap).to.deep.equal([]);
    expect(splitIdentitiesInHalf(strangers.identities, 42)[0]).to.deep.equal(first);
  });
});

// Written down from the first run; a change here means every published figure moves to another split.
const FIRST_TEST_IMAGES = [
  'Abdullah_Gul/Abdullah_Gul_0001.jpg',
  'Abdullah_Gul/Abdullah_Gul_0011.jpg',
  'Abdullah_Gul/Abdullah_Gul_0013.jpg',
  'Abdullah_Gul/Abdullah_Gul_0014.jpg',
  'Adrien_Brody/Adrien_Brody_0007.jpg',
  'Adrien_Brody/Adrien_Brody_0011.jpg',
];
