// human's faceres embedding of a real LFW image on the WebAssembly backend, against the committed cache record.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';

import { EmbeddingCache, sha256Hex } from '../../runtime/embedding-cache.ts';
import { HUMAN_DIMS, HumanEmbedder } from '../../runtime/human-embedder.ts';
import { decodeImage } from '../../runtime/image-decode.ts';

const FILE = '../shared/data/lfw_deepfunneled_min5/George_W_Bush/George_W_Bush_0001.jpg';

const distance = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((sum, value, k) => sum + (value - b[k]!) ** 2, 0));

describe('HumanEmbedder', function () {
  this.timeout(120_000);

  it('matches the committed cache record', async () => {
    const embedder = await HumanEmbedder.create();
    const result = await embedder.embed(await decodeImage(readFileSync(FILE)));
    expect(result.detected).to.equal(true);
    expect(result.descriptor).to.have.length(HUMAN_DIMS);
    expect(result.flippedDescriptor).to.have.length(HUMAN_DIMS);

    const cache = EmbeddingCache.open(
      'generated/lfw/cache',
      { model: HumanEmbedder.modelId, preprocessing: HumanEmbedder.preprocessingId, backend: 'wasm', dims: HUMAN_DIMS },
      { readOnly: true },
    );
    const cached = cache.get(sha256Hex(readFileSync(FILE)));
    cache.close();
    expect(cached, 'record in the cache').to.not.equal(undefined);
    expect(distance(result.descriptor, cached!.descriptor)).to.be.below(1e-4);
    expect(distance(result.flippedDescriptor, cached!.flippedDescriptor)).to.be.below(1e-4);
  });
});
