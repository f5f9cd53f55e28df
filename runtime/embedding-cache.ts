/**
 * Embedding cache: an append-only binary file of fixed-size records, one per image content, plus a JSON index.
 *
 * The cache is named after a hash of the model, preprocessing and backend ids, so a change to any of them
 * starts a new cache. Inside it, a record is found by the SHA-256 of the image bytes. Records are appended and
 * flushed as images finish, so an interrupted run keeps everything written before the stop. A record torn by the
 * stop is cut off when the cache is opened again.
 *
 * The records are stored in segments of at most SEGMENT_BYTES each, so that no committed file grows past what
 * Git hosts take without a warning: segment 0 is `embeddings-<id>.bin`, segment k > 0 is `embeddings-<id>-<k>.bin`, and record n
 * lies in segment `floor(n / recordsPerSegment)`. A cache written as one file before segments existed is split
 * when it is next opened for writing.
 *
 * Record layout, little-endian, `56 + 8 * dims` bytes:
 *
 * | offset        | type          | field                                            |
 * | ------------- | ------------- | ------------------------------------------------ |
 * | 0             | 32 bytes      | SHA-256 of the image file                        |
 * | 32            | uint8         | 1 = face detected, 2 = fallback box used,        |
 * |               |               | 3 = no face found (the rest is zero)             |
 * | 33            | 3 bytes       | zero                                             |
 * | 36            | float32       | detection score (0 for the fallback box)         |
 * | 40            | 4 x float32   | face box x, y, width, height in pixels           |
 * | 56            | dims x float32| descriptor                                       |
 * | 56 + 4 * dims | dims x float32| descriptor of the mirror image                   |
 */

import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

import { byCodeUnits } from './dataset.ts';
import type { FaceEmbedding } from './face-api-embedder.ts';

export const CACHE_FORMAT = 'hdlc-embedding-cache';
export const CACHE_VERSION = 1;

const HEADER_BYTES = 56;
const STATUS_DETECTED = 1;
const STATUS_FALLBACK = 2;
const STATUS_NO_FACE = 3;

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

/** Largest size of one segment file: under the 50 MB at which a GitHub push warns (it rejects files over 100 MB). */
export const SEGMENT_BYTES = 45 * 1024 * 1024;

export class EmbeddingCache {
  private readonly byHash = new Map<string, number>();
  private readonly records: Buffer[] = [];
  /** Open descriptors of the segment files, by segment number; opened when first written. */
  private readonly fds: number[] = [];
  private readonly perSegment: number;

  private constructor(
    readonly key: CacheKey,
    /** Path of segment 0; segment k > 0 is `segmentPath(k)`. */
    readonly binPath: string,
    readonly indexPath: string,
    readonly readOnly: boolean,
    segmentBytes: number,
  ) {
    if (readOnly && !existsSync(binPath)) {
      throw new Error(`embedding cache ${binPath} not found`);
    }
    if (!readOnly) mkdirSync(join(binPath, '..'), { recursive: true });
    const bytesPerRecord = recordBytes(key.dims);
    this.perSegment = Math.floor(segmentBytes / bytesPerRecord);
    if (this.perSegment < 1) {
      throw new Error(`a cache segment of ${segmentBytes} bytes cannot hold one record of ${bytesPerRecord} bytes`);
    }

    for (let segment = 0; existsSync(this.segmentPath(segment)); segment++) {
      const path = this.segmentPath(segment);
      const contents = readFileSync(path);
      let whole = Math.floor(contents.length / bytesPerRecord);
      if (whole * bytesPerRecord !== contents.length && !readOnly) {
        // A record torn by an interrupted write: drop it, the image is embedded again.
        truncateSync(path, whole * bytesPerRecord);
      }
      if (this.records.length !== segment * this.perSegment) {
        throw new Error(
          `embedding cache segment ${basename(path)} follows a segment that is not full; ` +
            `delete the segments after the short one and run again to embed their images anew`,
        );
      }
      if (whole > this.perSegment && existsSync(this.segmentPath(segment + 1))) {
        // A split of an oversized segment stopped before cutting it: the records past the limit are in the next segments.
        whole = this.perSegment;
      }
      for (let i = 0; i < whole; i++) {
        const record = contents.subarray(i * bytesPerRecord, (i + 1) * bytesPerRecord);
        this.byHash.set(record.toString('hex', 0, 32), this.records.length);
        this.records.push(record);
      }
    }
    if (!readOnly) this.splitOversizedSegments();
  }

  /**
   * Opens (or creates) the cache for `key` in `dir`. Only one writer may have a cache open at a time, because
   * opening for writing cuts off a record that another writer may still be writing. `readOnly` opens an
   * existing cache without changing it, safe beside a running writer. `segmentBytes` is for tests.
   */
  static open(dir: string, key: CacheKey, { readOnly = false, segmentBytes = SEGMENT_BYTES } = {}): EmbeddingCache {
    const id = createHash('sha256').update(JSON.stringify([key.model, key.preprocessing, key.backend, key.dims])).digest('hex').slice(0, 12);
    return new EmbeddingCache(key, join(dir, `embeddings-${id}.bin`), join(dir, `embeddings-${id}.json`), readOnly, segmentBytes);
  }

  segmentPath(segment: number): string {
    return segment === 0 ? this.binPath : this.binPath.replace(/\.bin$/, `-${segment}.bin`);
  }

  /** Paths of the segment files that hold records, in order. */
  get segmentPaths(): string[] {
    const count = Math.ceil(this.records.length / this.perSegment);
    return Array.from({ length: count }, (_, segment) => this.segmentPath(segment));
  }

  get size(): number {
    return this.records.length;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  /** Returns the cached embedding of the image with SHA-256 `hash`, or undefined (also for an image without a face). */
  get(hash: string): FaceEmbedding | undefined {
    const index = this.byHash.get(hash);
    if (index === undefined || this.records[index]![32] === STATUS_NO_FACE) return undefined;
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

  /** True when the cache records that the image with SHA-256 `hash` has no face. */
  hasNoFace(hash: string): boolean {
    const index = this.byHash.get(hash);
    return index !== undefined && this.records[index]![32] === STATUS_NO_FACE;
  }

  /** Records that the image with SHA-256 `hash` has no face, so later runs skip it without embedding it again. */
  putNoFace(hash: string): void {
    if (this.readOnly) throw new Error(`embedding cache ${this.binPath} is open read-only`);
    if (this.byHash.has(hash)) return;
    const record = Buffer.alloc(recordBytes(this.key.dims));
    record.write(hash, 0, 'hex');
    record[32] = STATUS_NO_FACE;
    this.append(hash, record);
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

    this.append(hash, record);
  }

  private append(hash: string, record: Buffer): void {
    const index = this.records.length;
    writeSync(this.segmentFd(Math.floor(index / this.perSegment)), record, 0, record.length, (index % this.perSegment) * record.length);
    this.byHash.set(hash, index);
    this.records.push(record);
  }

  /**
   * Writes the JSON index: the key, the record layout and, for each image file (path relative to its dataset
   * root, prefixed by the dataset role), the record number. Files of the existing index that `files` does not
   * list keep their entries, so a run on part of a data set does not drop the others. The index is written to a
   * temporary file and renamed, so a stop leaves the old one whole.
   */
  writeIndex(files: ReadonlyArray<readonly [path: string, hash: string]>, timing?: EmbeddingTiming): void {
    if (this.readOnly) throw new Error(`embedding cache ${this.binPath} is open read-only`);
    const merged = new Map(
      Object.entries(this.readIndex()?.files ?? {}).filter(([, record]) => Number.isInteger(record) && record >= 0 && record < this.records.length),
    );
    for (const [path, hash] of files) {
      const record = this.byHash.get(hash);
      if (record !== undefined) merged.set(path, record);
    }
    const entries = [...merged].sort((a, b) => byCodeUnits(a[0], b[0]));
    const index = {
      format: CACHE_FORMAT,
      version: CACHE_VERSION,
      ...this.key,
      recordBytes: recordBytes(this.key.dims),
      recordsPerSegment: this.perSegment,
      segments: this.segmentPaths.map((path) => basename(path)),
      layout: 'sha256[32] status:u8 (1 face, 2 fallback box, 3 no face) pad[3] score:f32 box:f32[4] descriptor:f32[dims] mirrored:f32[dims], little-endian',
      records: this.records.length,
      timing: timing ?? this.readTiming(),
      files: Object.fromEntries(entries),
    };
    const temporary = `${this.indexPath}.tmp`;
    writeFileSync(temporary, JSON.stringify(index, null, 0) + '\n');
    renameSync(temporary, this.indexPath);
  }

  /** Returns the timing stored by the run that last computed embeddings, if any. */
  readTiming(): EmbeddingTiming | undefined {
    return this.readIndex()?.timing;
  }

  /** Returns the existing index, or undefined when there is none or it is not valid JSON. */
  private readIndex(): { timing?: EmbeddingTiming; files?: Record<string, number> } | undefined {
    if (!existsSync(this.indexPath)) return undefined;
    try {
      return JSON.parse(readFileSync(this.indexPath, 'utf8')) as { timing?: EmbeddingTiming; files?: Record<string, number> };
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.fds.forEach((fd) => closeSync(fd));
    this.fds.length = 0;
  }

  private segmentFd(segment: number): number {
    let fd = this.fds[segment];
    if (fd === undefined) {
      const path = this.segmentPath(segment);
      fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
      this.fds[segment] = fd;
    }
    return fd;
  }

  /**
   * Moves the records past a segment's limit into the following segments: a cache written as one file before
   * segments existed. The later segments are written before segment 0 is cut, so a stop in between loses nothing.
   */
  private splitOversizedSegments(): void {
    const size = statSync(this.binPath, { throwIfNoEntry: false })?.size ?? 0;
    if (size <= this.perSegment * recordBytes(this.key.dims)) return;
    for (let segment = 1; segment * this.perSegment < this.records.length; segment++) {
      const records = this.records.slice(segment * this.perSegment, (segment + 1) * this.perSegment);
      writeFileSync(this.segmentPath(segment), Buffer.concat(records));
    }
    truncateSync(this.binPath, this.perSegment * recordBytes(this.key.dims));
  }
}
