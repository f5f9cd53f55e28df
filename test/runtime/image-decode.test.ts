// Image decoding: JPEG through jimp, binary and ASCII PGM through the small reader, and rejection of bad input.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';

import { decodeImage } from '../../runtime/image-decode.ts';
import { decodePgm } from '../../runtime/pgm.ts';

const JPEG = '../shared/data/lfw_deepfunneled_min5/George_W_Bush/George_W_Bush_0001.jpg';

const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'ascii'));

describe('decodeImage', () => {
  it('decodes an LFW JPEG to 250x250 RGB', async () => {
    const image = await decodeImage(readFileSync(JPEG));
    expect(image.width).to.equal(250);
    expect(image.height).to.equal(250);
    expect(image.data.length).to.equal(250 * 250 * 3);
  });

  it('rejects bytes that are no image', async () => {
    let error: Error | undefined;
    try {
      await decodeImage(ascii('not an image at all'));
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).to.be.instanceOf(Error);
  });

  it('names an empty file as empty', async () => {
    let error: Error | undefined;
    try {
      await decodeImage(new Uint8Array(0));
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).to.equal('the file is empty');
  });

  it('sends PGM to the PGM reader', async () => {
    const image = await decodeImage(ascii('P2 2 1 255 0 255'));
    expect(Array.from(image.data)).to.deep.equal([0, 0, 0, 255, 255, 255]);
  });
});

describe('decodePgm', () => {
  it('reads binary P5 with a comment', () => {
    const header = ascii('P5\n# made by hand\n3 2\n255\n');
    const bytes = new Uint8Array([...header, 0, 10, 20, 30, 40, 255]);
    const image = decodePgm(bytes);
    expect(image.width).to.equal(3);
    expect(image.height).to.equal(2);
    expect(Array.from(image.data.filter((_, i) => i % 3 === 0))).to.deep.equal([0, 10, 20, 30, 40, 255]);
  });

  it('scales 16-bit samples to 8 bits', () => {
    const header = ascii('P5 2 1 65535\n');
    const image = decodePgm(new Uint8Array([...header, 0xff, 0xff, 0x80, 0x00]));
    // 0x8000 * 255 / 65535 = 127.5019..., rounded to 128.
    expect(Array.from(image.data)).to.deep.equal([255, 255, 255, 128, 128, 128]);
  });

  it('scales a small maxval', () => {
    const image = decodePgm(ascii('P2\n3 1\n4\n0 2 4\n'));
    expect(Array.from(image.data.filter((_, i) => i % 3 === 0))).to.deep.equal([0, 128, 255]);
  });

  const invalid: Array<[string, Uint8Array, RegExp]> = [
    ['wrong magic number', ascii('P6 1 1 255\n\0\0\0'), /P2 or P5/],
    ['missing height', ascii('P5 4'), /height is missing/],
    ['zero width', ascii('P2 0 1 255'), /size 0x1/],
    ['maxval above 65535', ascii('P2 1 1 70000 0'), /maxval 70000/],
    ['short raster', new Uint8Array([...ascii('P5 2 2 255\n'), 1, 2]), /raster has 2 bytes, expected 4/],
    ['sample above maxval', ascii('P2 1 1 10 11'), /above maxval 10/],
  ];
  for (const [name, bytes, message] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => decodePgm(bytes)).to.throw(message);
    });
  }
});
