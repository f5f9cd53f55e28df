/**
 * Embedding of a list of image files through the cache. Files whose content hash is cached are not decoded again.
 * The rest go to a pool of worker threads, and each result is appended to the cache as soon as it arrives. A
 * progress bar on standard error shows images done, rate and time left. Unreadable files are reported by name,
 * counted and skipped.
 */

import { readFileSync } from 'node:fs';

import { SingleBar } from 'cli-progress';
import { Piscina } from 'piscina';

import type { EmbedResult, EmbedTask, NetworkName } from './embed-worker.ts';
import type { EmbeddingCache } from './embedding-cache.ts';
import { sha256Hex } from './embedding-cache.ts';
import type { FaceEmbedding } from './face-api-embedder.ts';

export interface ImageFile {
  path: string;
  /** File name in the cache index and in messages. */
  name: string;
}

export interface SkippedImage {
  name: string;
  reason: string;
}

export interface EmbedOutcome {
  /** Embedding of every file that could be embedded, by `ImageFile.name`. */
  embeddings: Map<string, FaceEmbedding>;
  /** `[name, sha256]` of every readable file, for the cache index. */
  hashes: Array<[string, string]>;
  skipped: SkippedImage[];
  /** Files taken from the cache. */
  fromCache: number;
  /** Files embedded in this run, including those that failed. */
  computed: number;
  /** Images of `computed` that gave an embedding; the others are in `skipped`. */
  succeeded: number;
  /** Wall-clock seconds spent on the files not in the cache. */
  computeSeconds: number;
}

const MAX_REASON_LENGTH = 200;

export async function embedImages(
  files: ImageFile[],
  cache: EmbeddingCache,
  workers: number,
  network: NetworkName = 'face-api',
): Promise<EmbedOutcome> {
  const embeddings = new Map<string, FaceEmbedding>();
  const hashes: Array<[string, string]> = [];
  const skipped: SkippedImage[] = [];
  const pending: Array<{ file: ImageFile; hash: string }> = [];

  for (const file of files) {
    let hash: string;
    try {
      hash = sha256Hex(readFileSync(file.path));
    } catch (error) {
      skipped.push({ name: file.name, reason: `read failed: ${(error as Error).message}` });
      continue;
    }
    hashes.push([file.name, hash]);
    const cached = cache.get(hash);
    if (cached) embeddings.set(file.name, cached);
    else if (cache.hasNoFace(hash)) skipped.push({ name: file.name, reason: 'no face found (recorded in the embedding cache)' });
    else pending.push({ file, hash });
  }
  if (pending.length === 0) {
    return { embeddings, hashes, skipped, fromCache: embeddings.size, computed: 0, succeeded: 0, computeSeconds: 0 };
  }

  const fromCache = embeddings.size;
  const started = performance.now();
  const pool = new Piscina<EmbedTask, EmbedResult>({
    filename: new URL('./embed-worker.ts', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  const bar = new SingleBar({
    format: 'embedding {bar} {value}/{total} images | {rate} images/s | {eta_formatted} left',
    etaBuffer: 200,
    noTTYOutput: true,
    notTTYSchedule: 15_000,
    stream: process.stderr,
  });
  bar.start(pending.length, 0, { rate: '0.00' });

  let done = 0;
  let succeeded = 0;
  const expectedBackend = cache.key.backend;
  try {
    await Promise.all(
      pending.map(async ({ file, hash }) => {
        const result = await pool.run({ path: file.path, network });
        if (result.ok) {
          if (result.backend !== expectedBackend) {
            throw new Error(`embedding worker used backend ${result.backend}, expected ${expectedBackend} from the cache key`);
          }
          cache.put(hash, result.embedding);
          embeddings.set(file.name, result.embedding);
          succeeded++;
        } else {
          if (result.stage === 'no-face') cache.putNoFace(hash);
          const reason = `${result.stage === 'no-face' ? 'embed' : result.stage} failed: ${result.message}`.slice(0, MAX_REASON_LENGTH);
          skipped.push({ name: file.name, reason });
          console.error(`skipped ${file.name}: ${reason}`);
        }
        done++;
        const rate = done / ((performance.now() - started) / 1000);
        bar.update(done, { rate: rate.toFixed(2) });
      }),
    );
  } finally {
    bar.stop();
    await pool.destroy();
  }

  return { embeddings, hashes, skipped, fromCache, computed: pending.length, succeeded, computeSeconds: (performance.now() - started) / 1000 };
}
