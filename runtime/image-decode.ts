/**
 * Image decoding for the face pipeline. JPEG, PNG, BMP, TIFF and GIF go through jimp; PGM goes through the reader
 * in pgm.ts because jimp 1.x has no PGM decoder. Every image comes out as 8-bit RGB, row-major, alpha dropped.
 */

import { Jimp } from 'jimp';

import { decodePgm, isPgm } from './pgm.ts';

export interface RgbImage {
  width: number;
  height: number;
  /** Samples in R, G, B order, 3 bytes a pixel, rows top to bottom. */
  data: Uint8Array;
}

/** Decodes image bytes to RGB; throws when no decoder accepts them, and the caller reports the file name. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  if (bytes.length === 0) {
    throw new Error('the file is empty');
  }
  if (isPgm(bytes)) {
    return decodePgm(bytes);
  }

  const image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data: rgba } = image.bitmap;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = rgba[4 * i]!;
    data[3 * i + 1] = rgba[4 * i + 1]!;
    data[3 * i + 2] = rgba[4 * i + 2]!;
  }
  return { width, height, data };
}
