/**
 * Face descriptors from @vladmandic/human 3.3: BlazeFace detection, the face mesh for rotation alignment, and the
 * 1024-D `faceres` description network, with the models that ship inside the npm package.
 *
 * Preprocessing: human's own pipeline (detect, rotate and crop by the mesh) on the whole image, keeping the face
 * whose box centre is nearest the image centre. The mirror-image descriptor comes from the same pipeline run on the
 * horizontally mirrored image. When no face is found, the image's central `FALLBACK_CROP` is enlarged to the full
 * image size and searched again; when that fails too, the image is reported as failed.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import type { FaceEmbedding } from './face-api-embedder.ts';
import type { RgbImage } from './image-decode.ts';
import { registerFileLoader } from './tfjs-file-loader.ts';


/** Thrown when an image has no face, even in the fallback crop; the result depends only on the image and the cache key. */
export class NoFaceError extends Error {}

export const HUMAN_DIMS = 1024;
export const HUMAN_MIN_DETECTION_SCORE = 0.2;
export const FALLBACK_CROP = { x: 0.2, y: 0.2, width: 0.6, height: 0.6 } as const;

const require = createRequire(import.meta.url);

interface HumanFace {
  score: number;
  box: [number, number, number, number];
  embedding?: number[];
}

interface HumanInstance {
  load(): Promise<void>;
  detect(input: tf.Tensor): Promise<{ face: HumanFace[] }>;
}

export class HumanEmbedder {
  static readonly modelId = 'human@3.3.6:blazeface+facemesh+faceres';
  static readonly preprocessingId =
    `human-rotation|nearest-centre(min ${HUMAN_MIN_DETECTION_SCORE})|fallback-crop ${JSON.stringify(FALLBACK_CROP)}|flip-by-mirrored-image`;

  private constructor(private readonly human: HumanInstance) {}

  /** Loads the WebAssembly backend and human's face models. */
  static async create(): Promise<HumanEmbedder> {
    registerFileLoader();
    // The package's `exports` map has subpath keys without the leading "./", so Node cannot resolve
    // `@vladmandic/human/dist/human.node-wasm.js`. The build is found next to the resolvable main entry instead.
    const distDir = dirname(require.resolve('@vladmandic/human'));
    const { Human } = require(join(distDir, 'human.node-wasm.js')) as { Human: new (config: object) => HumanInstance };
    const human = new Human({
      backend: 'wasm',
      wasmPath: `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
      modelBasePath: `${pathToFileURL(join(distDir, '..', 'models')).href}/`,
      debug: false,
      cacheSensitivity: 0,
      face: {
        enabled: true,
        detector: { rotation: true, maxDetected: 5, minConfidence: HUMAN_MIN_DETECTION_SCORE },
        mesh: { enabled: true },
        iris: { enabled: false },
        description: { enabled: true },
        emotion: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
        attention: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
    });
    await human.load();
    return new HumanEmbedder(human);
  }

  get backend(): string {
    return tf.getBackend();
  }

  async embed(image: RgbImage): Promise<FaceEmbedding> {
    const input = tf.tensor4d(image.data, [1, image.height, image.width, 3], 'float32');
    try {
      const plain = await this.nearestFace(input, image);
      const mirrored = tf.reverse(input, 2);
      const flipped = await this.nearestFace(mirrored, image);
      mirrored.dispose();
      if (!plain?.embedding || !flipped?.embedding) {
        throw new NoFaceError('no face found, not even in the enlarged centre crop');
      }
      return {
        detected: !plain.fromFallback,
        detectionScore: plain.fromFallback ? 0 : plain.score,
        box: plain.box,
        descriptor: Float32Array.from(plain.embedding),
        flippedDescriptor: Float32Array.from(flipped.embedding),
      };
    } finally {
      input.dispose();
    }
  }

  private async nearestFace(input: tf.Tensor4D, image: RgbImage): Promise<(HumanFace & { fromFallback: boolean }) | undefined> {
    const result = await this.human.detect(input);
    const face = nearest(result.face.filter((f) => f.embedding?.length === HUMAN_DIMS), image.width, image.height);
    if (face) return { ...face, fromFallback: false };

    const crop = tf.image.cropAndResize(
      input,
      [[FALLBACK_CROP.y, FALLBACK_CROP.x, FALLBACK_CROP.y + FALLBACK_CROP.height, FALLBACK_CROP.x + FALLBACK_CROP.width]],
      [0],
      [image.height, image.width],
    );
    const retry = await this.human.detect(crop);
    crop.dispose();
    const fallback = nearest(retry.face.filter((f) => f.embedding?.length === HUMAN_DIMS), image.width, image.height);
    return fallback ? { ...fallback, fromFallback: true } : undefined;
  }
}

function nearest(faces: HumanFace[], width: number, height: number): HumanFace | undefined {
  let best: HumanFace | undefined;
  let bestDistance = Infinity;
  for (const face of faces) {
    const dx = face.box[0] + face.box[2] / 2 - width / 2;
    const dy = face.box[1] + face.box[3] / 2 - height / 2;
    if (dx * dx + dy * dy < bestDistance) {
      best = face;
      bestDistance = dx * dx + dy * dy;
    }
  }
  return best;
}
