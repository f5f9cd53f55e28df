// The embedding cache: records survive a reopen, a torn record at the end is dropped, and keys keep caches apart.

import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EmbeddingCache, recordBytes, sha256Hex } from '../../runtime/embedding-cache.ts';
import type { FaceEmbedding } from '../../runtime/face-api-embedder.ts';

const KEY = { model: 'test-model', preprocessing: 'test-steps', backend: 'wasm', dims: 3 };

const embedding = (seed: number, detected = true): FaceEmbedding => ({
  detected,
  detectionScore: detected ? 0.5 + seed / 100 : 0,
  box: [seed, seed + 1, 10, 12],
  descriptor: Float32Array.of(seed, -seed, 0.25),
  flippedDescriptor: Float32Array.of(seed / 2, seed / 4, -0.125),
});

describe('EmbeddingCache', () => {
  it('returns what was put, after a reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const hash = sha256Hex(new Uint8Array([1, 2, 3]));
    const cache = EmbeddingCache.open(dir, KEY);
    cache.put(hash, embedding(3, false));
    cache.close();

    const reopened = EmbeddingCache.open(dir, KEY);
    const loaded = reopened.get(hash)!;
    reopened.close();
    expect(loaded.detected).to.equal(false);
    expect(loaded.detectionScore).to.equal(0);
    expect(loaded.box).to.deep.equal([3, 4, 10, 12]);
    expect(Array.from(loaded.descriptor)).to.deep.equal([3, -3, 0.25]);
    expect(Array.from(loaded.flippedDescriptor)).to.deep.equal([1.5, 0.75, -0.125]);
  });

  it('drops a torn record at the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const cache = EmbeddingCache.open(dir, KEY);
    cache.put(sha256Hex(new Uint8Array([1])), embedding(1));
    cache.put(sha256Hex(new Uint8Array([2])), embedding(2));
    cache.close();
    appendFileSync(cache.binPath, new Uint8Array(10));

    const reopened = EmbeddingCache.open(dir, KEY);
    expect(reopened.size).to.equal(2);
    reopened.close();
    expect(statSync(cache.binPath).size).to.equal(2 * recordBytes(3));
  });

  it('keeps different keys in different files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const first = EmbeddingCache.open(dir, KEY);
    const second = EmbeddingCache.open(dir, { ...KEY, preprocessing: 'other-steps' });
    expect(second.binPath).to.not.equal(first.binPath);
    first.put(sha256Hex(new Uint8Array([9])), embedding(9));
    expect(second.has(sha256Hex(new Uint8Array([9])))).to.equal(false);
    first.close();
    second.close();
  });

  it('records an image without a face', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const hash = sha256Hex(new Uint8Array([4]));
    const cache = EmbeddingCache.open(dir, KEY);
    cache.putNoFace(hash);
    cache.close();

    const reopened = EmbeddingCache.open(dir, KEY, { readOnly: true });
    expect(reopened.has(hash)).to.equal(true);
    expect(reopened.hasNoFace(hash)).to.equal(true);
    expect(reopened.get(hash)).to.equal(undefined);
    expect(reopened.hasNoFace(sha256Hex(new Uint8Array([5])))).to.equal(false);
    reopened.close();
  });

  it('keeps index entries of files a run does not list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const [first, second] = [sha256Hex(new Uint8Array([6])), sha256Hex(new Uint8Array([7]))];
    const cache = EmbeddingCache.open(dir, KEY);
    cache.put(first, embedding(6));
    cache.writeIndex([['faces/A/a.jpg', first]]);
    cache.put(second, embedding(7));
    cache.writeIndex([['faces/B/b.jpg', second]]);
    cache.close();
    const index = JSON.parse(readFileSync(cache.indexPath, 'utf8')) as { files: Record<string, number> };
    expect(index.files).to.deep.equal({ 'faces/A/a.jpg': 0, 'faces/B/b.jpg': 1 });
  });

  it('rejects a descriptor of the wrong length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const cache = EmbeddingCache.open(dir, KEY);
    const wrong = { ...embedding(1), descriptor: Float32Array.of(1, 2) };
    expect(() => cache.put(sha256Hex(new Uint8Array([1])), wrong)).to.throw(/2 dimensions, the cache expects 3/);
    cache.close();
  });
});

describe('EmbeddingCache segments', () => {
  const hashOf = (n: number): string => sha256Hex(new Uint8Array([n]));
  const segmentBytes = 2 * recordBytes(3);

  it('spreads records over segment files and reads them all back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const cache = EmbeddingCache.open(dir, KEY, { segmentBytes });
    for (let n = 1; n <= 5; n++) cache.put(hashOf(n), embedding(n));
    cache.close();
    expect(cache.segmentPaths.map((path) => statSync(path).size)).to.deep.equal([segmentBytes, segmentBytes, recordBytes(3)]);

    const reopened = EmbeddingCache.open(dir, KEY, { segmentBytes, readOnly: true });
    expect(reopened.size).to.equal(5);
    expect(Array.from(reopened.get(hashOf(5))!.descriptor)).to.deep.equal([5, -5, 0.25]);
    reopened.close();
  });

  it('splits a cache written as one file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const single = EmbeddingCache.open(dir, KEY);
    for (let n = 1; n <= 5; n++) single.put(hashOf(n), embedding(n));
    single.close();
    expect(statSync(single.binPath).size).to.equal(5 * recordBytes(3));

    const split = EmbeddingCache.open(dir, KEY, { segmentBytes });
    split.put(hashOf(6), embedding(6));
    split.close();
    expect(split.segmentPaths.map((path) => statSync(path).size)).to.deep.equal([segmentBytes, segmentBytes, segmentBytes]);
    const reopened = EmbeddingCache.open(dir, KEY, { segmentBytes, readOnly: true });
    expect(reopened.size).to.equal(6);
    for (let n = 1; n <= 6; n++) expect(reopened.get(hashOf(n))!.box[0]).to.equal(n);
    reopened.close();
  });

  it('refuses a segment that follows a short one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdlc-cache-'));
    const cache = EmbeddingCache.open(dir, KEY, { segmentBytes });
    for (let n = 1; n <= 3; n++) cache.put(hashOf(n), embedding(n));
    cache.close();
    truncateSync(cache.binPath, recordBytes(3));
    expect(() => EmbeddingCache.open(dir, KEY, { segmentBytes })).to.throw(/follows a segment that is not full/);
  });
});
