/**
 * Worker-thread entry for the embedding pool: reads one image file, decodes it and returns its face embedding.
 * Each worker loads the networks once, on its first task; a pool serves one network only.
 */

import { readFile } from 'node:fs/promises';

import { FaceApiEmbedder, type FaceEmbedding } from './face-api-embedder.ts';
import { HumanEmbedder, NoFaceError } from './human-embedder.ts';
import { decodeImage } from './image-decode.ts';

export type NetworkName = 'face-api' | 'human';

export interface EmbedTask {
  path: string;
  network: NetworkName;
}

export type EmbedResult =
  | { ok: true; embedding: FaceEmbedding; backend: string }
  | { ok: false; stage: 'read' | 'decode' | 'embed' | 'no-face'; message: string };

let embedder: Promise<FaceApiEmbedder | HumanEmbedder> | undefined;

export default async function embedFile(task: EmbedTask): Promise<EmbedResult> {
  embedder ??= task.network === 'human' ? HumanEmbedder.create() : FaceApiEmbedder.create();
  const loaded = await embedder;

  let bytes: Uint8Array;
  try {
    bytes = await readFile(task.path);
  } catch (error) {
    return { ok: false, stage: 'read', message: (error as Error).message };
  }

  let image;
  try {
    image = await decodeImage(bytes);
  } catch (error) {
    return { ok: false, stage: 'decode', message: (error as Error).message };
  }

  try {
    return { ok: true, embedding: await loaded.embed(image), backend: loaded.backend };
  } catch (error) {
    return { ok: false, stage: error instanceof NoFaceError ? 'no-face' : 'embed', message: (error as Error).message };
  }
}
