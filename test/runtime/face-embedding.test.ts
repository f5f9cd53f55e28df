// face-api embedding of real LFW images on the WebAssembly backend, pinned to values from the first run, and the
// fallback box on an image without a face.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';

import { EmbeddingCache, sha256Hex } from '../../runtime/embedding-cache.ts';
import { FACE_API_DIMS, FALLBACK_BOX, FaceApiEmbedder, type FaceEmbedding } from '../../runtime/face-api-embedder.ts';
import { decodeImage } from '../../runtime/image-decode.ts';

const FACES = '../shared/data/lfw_deepfunneled_min5';

// Values recorded by the pipeline run that filled generated/lfw/cache, WebAssembly backend.
const PINNED = [
  {
    file: 'George_W_Bush/George_W_Bush_0001.jpg',
    score: 0.9278414249420166,
    box: [82.65689086914062, 65.93695068359375, 102.59735870361328, 118.791015625],
    descriptor: [-0.050963740795850754, 0.18091775476932526, -0.016042927280068398, -0.009885724633932114],
    mirrored: [-0.030059365555644035, 0.1703771948814392, 0.020961984992027283, -0.010132044553756714],
  },
  {
    file: 'Colin_Powell/Colin_Powell_0001.jpg',
    score: 0.9984702467918396,
    box: [71.63241577148438, 76.91095733642578, 90.09938049316406, 102.15615844726562],
    descriptor: [-0.005448692943900824, 0.040833793580532074, 0.04788580164313316, 0.07343699783086777],
    mirrored: [-0.021368082612752914, 0.024021506309509277, -0.0005057039670646191, 0.061544157564640045],
  },
  {
    // A face that SSD MobileNet scores below its default 0.5.
    file: 'Adrien_Brody/Adrien_Brody_0012.jpg',
    score: 0.48279204964637756,
    box: [96.3602066040039, 73.66633605957031, 90.4244155883789, 112.76295471191406],
    descriptor: [-0.09360280632972717, 0.10644422471523285, 0.12830409407615662, 0.008476963266730309],
    mirrored: [-0.12132838368415833, 0.10313470661640167, 0.07554735243320465, -0.02752803824841976],
  },
];

const distance = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((sum, value, k) => sum + (value - b[k]!) ** 2, 0));

describe('FaceApiEmbedder', function () {
  this.timeout(120_000);
  let embedder: FaceApiEmbedder;
  const results = new Map<string, FaceEmbedding>();

  before(async () => {
    embedder = await FaceApiEmbedder.create();
    for (const file of [...PINNED.map((p) => p.file), 'George_W_Bush/George_W_Bush_0002.jpg']) {
      results.set(file, await embedder.embed(await decodeImage(readFileSync(`${FACES}/${file}`))));
    }
  });

  it('runs on the WebAssembly backend', () => {
    expect(embedder.backend).to.equal('wasm');
  });

  for (const pinned of PINNED) {
    describe(pinned.file, () => {
      it('finds the face with the pinned score and box', () => {
        const result = results.get(pinned.file)!;
        expect(result.detected).to.equal(true);
        expect(result.detectionScore).to.be.closeTo(pinned.score, 1e-5);
        result.box.forEach((value, i) => expect(value, `box[${i}]`).to.be.closeTo(pinned.box[i]!, 0.01));
      });

      it('gives the pinned descriptors', () => {
        const result = results.get(pinned.file)!;
        expect(result.descriptor).to.have.length(FACE_API_DIMS);
        pinned.descriptor.forEach((value, k) => expect(result.descriptor[k], `descriptor[${k}]`).to.be.closeTo(value, 1e-5));
        pinned.mirrored.forEach((value, k) => expect(result.flippedDescriptor[k], `mirrored[${k}]`).to.be.closeTo(value, 1e-5));
      });

      it('matches the committed cache record', () => {
        const cache = EmbeddingCache.open(
          'generated/lfw/cache',
          { model: FaceApiEmbedder.modelId, preprocessing: FaceApiEmbedder.preprocessingId, backend: 'wasm', dims: FACE_API_DIMS },
          { readOnly: true },
        );
        const cached = cache.get(sha256Hex(readFileSync(`${FACES}/${pinned.file}`)));
        cache.close();
        expect(cached, 'record in the cache').to.not.equal(undefined);
        const result = results.get(pinned.file)!;
        expect(distance(result.descriptor, cached!.descriptor)).to.be.below(1e-5);
        expect(distance(result.flippedDescriptor, cached!.flippedDescriptor)).to.be.below(1e-5);
      });
    });
  }

  it('same person is nearer than another', () => {
    const bush1 = results.get('George_W_Bush/George_W_Bush_0001.jpg')!.descriptor;
    const bush2 = results.get('George_W_Bush/George_W_Bush_0002.jpg')!.descriptor;
    const powell = results.get('Colin_Powell/Colin_Powell_0001.jpg')!.descriptor;
    expect(distance(bush1, bush2)).to.be.below(0.5);
    expect(distance(bush1, powell)).to.be.above(0.6);
  });

  it('uses the fallback box when no face is found', async () => {
    const grey = { width: 200, height: 100, data: new Uint8Array(200 * 100 * 3).fill(128) };
    const result = await embedder.embed(grey);
    expect(result.detected).to.equal(false);
    expect(result.detectionScore).to.equal(0);
    expect(result.box).to.deep.equal([FALLBACK_BOX.x * 200, FALLBACK_BOX.y * 100, FALLBACK_BOX.width * 200, FALLBACK_BOX.height * 100]);
    expect(result.descriptor).to.have.length(FACE_API_DIMS);
    expect(result.descriptor.every(Number.isFinite)).to.equal(true);
  });
});
