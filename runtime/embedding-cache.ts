/**
 * Embedding cache: an append-only binary file of fixed-size records, one per image content, plus a JSON index.
 *
 * The cache file is named after a hash of the model, preprocessing and backend ids, so a change to any of them
 * starts a new file. Inside it, a record is found by the SHA-256 of the image bytes. Records are appended and
 * flushed as images finish, so an interrupted run keeps everything written before the stop. A record torn by the
 * stop is cut off when the file is opened again.
 *
 * Record layout, little-endian, `56 + 8 * dims` bytes:
 *
 * | offset        | type          | field                                            |
 * | ------------- | ------------- | ------------------------------------------------ |
 * | 0             | 32 bytes      | SHA-256 of the image file                        |
 * | 32            | uint8         | 1 = face detected, 2 = fallback box used         |
 * | 33            | 3 bytes       | zero                                             |
 * | 36            | float32       | detection score (0 for the fallback box)         |
 * | 40            | 4 x float32   | face box x, y, width, height in pixels           |
 * | 56            | dims x float32| descriptor                                       |
 * | 56 + 4 * dims | dims x float32| descriptor of the mirror image                   |
 */

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { byCodeUnits } from './dataset.ts';
import type { FaceEmbedding } from './face-api-embedder.ts';

export const CACHE_FORMAT = 'hdlc-embedding-cache';
export const CACHE_VERSION = 1;

const HEADER_BYTES = 56;
const STATUS_DETECTED = 1;
const STATUS_FALLBACK = 2;

/** Inputs besides the image bytes that the cached descriptors depend on. */
export interface CacheKey {
  model: string;
  preprocessing: string;
  backend: string;
  dims: number;
}

/** Speed of the last run that computed embeddings. */
export interface EmbeddingTiming {
  images: number;
  seconds: number;
  workers: number;
  /** Wall-clock seconds per image for one worker: `seconds * workers / images`. */
  secondsPerImagePerWorker: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const recordBytes = (dims: number): number => HEADER_BYTES + 8 * dims;

export class EmbeddingCache {
  private readonly byHash = new Map<string, number>();
  private readonly records: Buffer[] = [];
  private fd: number;

  private constructor(
    readonly key: CacheKey,
    readonly binPath: string,
    readonly indexPath: string,
    readonly readOnly: boolean,
  ) {
    if (readOnly && !existsSync(binPath)) {
      throw new Error(`embedding cache ${binPath} not found`);
    }
    if (!readOnly) mkdirSync(join(binPath, '..'), { recursive: true });
    this.fd = openSync(binPath, readOnly ? 'r' : existsSync(binPath) ? 'r+' : 'w+');
    const size = fstatSync(this.fd).size;
    const bytesPerRecord = recordBytes(key.dims);
    const whole = Math.floor(size / bytesPerRecord);
    if (whole * bytesPerRecord !== size && !readOnly) {
      // A record torn by an interrupted write: drop it, the image is embedded again.
      ftruncateSync(this.fd, whole * bytesPerRecord);
    }
    const contents = whole > 0 ? readFileSync(binPath) : Buffer.alloc(0);
    for (let i = 0; i < whole; i++) {
      const record = contents.subarray(i * bytesPerRecord, (i + 1) * bytesPerRecord);
      this.byHash.set(record.toString('hex', 0, 32), i);
      this.records.push(record);
    }
  }

  /**
   * Opens (or creates) the cache for `key` in `dir`. Only one writer may have a cache open at a time, because
   * opening for writing cuts off a record that another writer may still be writing. `readOnly` opens an
   * existing cache without changing it, safe beside a running writer.
   */
  static open(dir: string, key: CacheKey, { readOnly = false } = {}): EmbeddingCache {
    const id = createHash('sha256').update(JSON.stringify([key.model, key.preprocessing, key.backend, key.dims])).digest('hex').slice(0, 12);
    return new EmbeddingCache(key, join(dir, `embeddings-${id}.bin`), join(dir, `embeddings-${id}.json`), readOnly);
  }

  get size(): number {
    return this.records.length;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  /** Returns the cached embedding of the image with SHA-256 `hash`, or undefined. */
  get(hash: string): FaceEmbedding | undefined {
    const index = this.byHash.get(hash);
    if (index === undefined) return undefined;
    const dims = this.key.dims;
    const record = this.records[index]!;
    const floats = (start: number, length: number): Float32Array => {
      const out = new Float32Array(length);
      for (let i = 0; i < length; i++) out[i] = record.readFloatLE(start + 4 * i);
      return out;
    };
    const box = floats(40, 4);
    return {
      detected: record[32] === STATUS_DETECTED,
      detectionScore: record.readFloatLE(36),
      box: [box[0]!, box[1]!, box[2]!, box[3]!],
      descriptor: floats(HEADER_BYTES, dims),
      flippedDescriptor: floats(HEADER_BYTES + 4 * dims, dims),
    };
  }

  /** Appends one record and writes it to the file at once. A hash already present is ignored. */
  put(hash: string, embedding: FaceEmbedding): void {
    if (this.readOnly) throw new Error(`embedding cache ${this.binPath} is open read-only`);
    if (this.byHash.has(hash)) return;
    const dims = this.key.dims;
    if (embedding.descriptor.length !== dims || embedding.flippedDescriptor.length !== dims) {
      throw new Error(`embedding has ${embedding.descriptor.length} dimensions, the cache expects ${dims}`);
    }
    const record = Buffer.alloc(recordBytes(dims));
    record.write(hash, 0, 'hex');
    record[32] = embedding.detected ? STATUS_DETECTED : STATUS_FALLBACK;
    record.writeFloatLE(embedding.detectionScore, 36);
    embedding.box.forEach((value, i) => record.writeFloatLE(value, 40 + 4 * i));
    embedding.descriptor.forEach((value, i) => record.writeFloatLE(value, HEADER_BYTES + 4 * i));
    embedding.flippedDescriptor.forEach((value, i) => record.writeFloatLE(value, HEADER_BYTES + 4 * (dims + i)));

    writeSync(this.fd, record, 0, record.length, this.records.length * record.length);
    this.byHash.set(hash, this.records.length);
    this.records.push(record);
  }

  /**
   * Writes the JSON index: the key, the record layout and, for each image file (path relative to its dataset
   * root, prefixed by the dataset role), the record number.
   */
  writeIndex(files: ReadonlyArray<readonly [path: string, hash: string]>, timing?: EmbeddingTiming): void {
    if (this.readOnly) throw new Error(`embedding cache ${this.binPath} is open read-only`);
    const entries = files
      .filter(([, hash]) => this.byHash.has(hash))
      .map(([path, hash]) => [path, this.byHash.get(hash)!] as const)
      .sort((a, b) => byCodeUnits(a[0], b[0]));
    const index = {
      format: CACHE_FORMAT,
      version: CACHE_VERSION,
      ...this.key,
      recordBytes: recordBytes(this.key.dims),
      layout: 'sha256[32] status:u8 pad[3] score:f32 box:f32[4] descriptor:f32[dims] mirrored:f32[dims], little-endian',
      records: this.records.length,
      timing: timing ?? this.readTiming(),
      files: Object.fromEntries(entries),
    };
    writeFileSync(this.indexPath, JSON.stringify(index, null, 0) + '\n');
  }

  /** Returns the timing stored by the run that last computed embeddings, if any. */
  readTiming(): EmbeddingTiming | undefined {
    if (!existsSync(this.indexPath)) return undefined;
    try {
      return (JSON.parse(readFileSync(this.indexPath, 'utf8')) as { timing?: EmbeddingTiming }).timing;
    } catch {
      return undefined;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
