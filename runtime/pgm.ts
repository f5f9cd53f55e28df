/**
 * Reader for PGM (portable graymap) images, binary `P5` and ASCII `P2`, as defined by the Netpbm format
 * specification. Samples with a maximum value above 255 are two bytes, most significant first. Grey levels are
 * rescaled to 0..255 by rounding `value * 255 / maxval` to the nearest integer, and written to R, G and B alike.
 */

import type { RgbImage } from './image-decode.ts';

/** Returns true when the bytes start with a PGM magic number (`P2` or `P5`). */
export function isPgm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && (bytes[1] === 0x32 || bytes[1] === 0x35);
}

const isWhitespace = (byte: number): boolean =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c;

/** Cursor over the header tokens, which are separated by whitespace and may be interleaved with `#` comments. */
class HeaderReader {
  position = 2;

  constructor(private readonly bytes: Uint8Array) {}

  readInteger(field: string): number {
    this.skipWhitespaceAndComments();
    const start = this.position;
    while (this.position < this.bytes.length && this.bytes[this.position]! >= 0x30 && this.bytes[this.position]! <= 0x39) {
      this.position++;
    }
    if (this.position === start) {
      throw new Error(`invalid PGM header: ${field} is missing or not a decimal integer`);
    }
    return Number(Buffer.from(this.bytes.subarray(start, this.position)).toString('ascii'));
  }

  skipWhitespaceAndComments(): void {
    while (this.position < this.bytes.length) {
      const byte = this.bytes[this.position]!;
      if (byte === 0x23) {
        while (this.position < this.bytes.length && this.bytes[this.position] !== 0x0a) this.position++;
      } else if (isWhitespace(byte)) {
        this.position++;
      } else {
        return;
      }
    }
  }
}

/** Decodes a PGM image; throws an Error that names the problem when the header or the sample data is invalid. */
export function decodePgm(bytes: Uint8Array): RgbImage {
  if (!isPgm(bytes)) {
    throw new Error('invalid PGM: the file does not start with P2 or P5');
  }
  const binary = bytes[1] === 0x35;
  const header = new HeaderReader(bytes);
  const width = header.readInteger('width');
  const height = header.readInteger('height');
  const maxval = header.readInteger('maxval');
  if (width < 1 || height < 1) {
    throw new Error(`invalid PGM header: size ${width}x${height} must be at least 1x1`);
  }
  if (maxval < 1 || maxval > 65535) {
    throw new Error(`invalid PGM header: maxval ${maxval} must be in 1..65535`);
  }

  const pixelCount = width * height;
  const grey = new Uint16Array(pixelCount);
  if (binary) {
    // Exactly one whitespace byte separates maxval from the raster.
    const start = header.position + 1;
    const bytesPerSample = maxval > 255 ? 2 : 1;
    const needed = pixelCount * bytesPerSample;
    if (bytes.length - start < needed) {
      throw new Error(`invalid PGM: raster has ${bytes.length - start} bytes, expected ${needed}`);
    }
    for (let i = 0; i < pixelCount; i++) {
      grey[i] = bytesPerSample === 1 ? bytes[start + i]! : (bytes[start + 2 * i]! << 8) | bytes[start + 2 * i + 1]!;
    }
  } else {
    for (let i = 0; i < pixelCount; i++) {
      grey[i] = header.readInteger(`sample ${i}`);
    }
  }

  const data = new Uint8Array(pixelCount * 3);
  for (let i = 0; i < pixelCount; i++) {
    const sample = grey[i]!;
    if (sample > maxval) {
      throw new Error(`invalid PGM: sample ${i} is ${sample}, above maxval ${maxval}`);
    }
    const level = Math.round((sample * 255) / maxval);
    data[3 * i] = level;
    data[3 * i + 1] = level;
    data[3 * i + 2] = level;
  }
  return { width, height, data };
}
