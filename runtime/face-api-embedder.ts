/**
 * Face descriptors from @vladmandic/face-api: SSD MobileNet v1 detection, the 68-point landmark net, and the
 * 128-D ResNet-34 recognition net, all with the weights that ship inside the npm package (nothing is fetched).
 *
 * Preprocessing, in order:
 * 1. Detect faces with minimum confidence `MIN_DETECTION_SCORE` and keep the one whose box centre is nearest the
 *    image centre. When no face is found, fall back to `FALLBACK_BOX`, a fixed box given as fractions of the image
 *    size, which covers the face in the 250 x 250 deep-funneled LFW images.
 * 2. Find the 68 landmarks inside that box and align the way face-api does: the landmarks' bounding box with 20 %
 *    padding (`FaceLandmarks.align()`), without rotation.
 * 3. Crop the aligned box, and compute the descriptor of the crop and of its horizontal mirror image.
 *
 * The TensorFlow.js backend is tfjs-node when `@tensorflow/tfjs-node` is installed, else WebAssembly.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import type { RgbImage } from './image-decode.ts';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');

// SSD's default of 0.5 found no face in 121 of the first 1,240 deep-funneled LFW images. At 0.2 it finds the centre
// face in most of them, and the nearest-centre rule passes over the extra low-score boxes at the image edges.
export const MIN_DETECTION_SCORE = 0.2;
export const FALLBACK_BOX = { x: 0.3, y: 0.28, width: 0.4, height: 0.44 } as const;
export const FACE_API_DIMS = 128;

/** One image's result; `box` is in pixels of the original image. */
export interface FaceEmbedding {
  detected: boolean;
  detectionScore: number;
  box: [x: number, y: number, width: number, height: number];
  descriptor: Float32Array;
  flippedDescriptor: Float32Array;
}

const require = createRequire(import.meta.url);

/** Returns the backend `FaceApiEmbedder.create` will pick, without loading it. */
export function selectedBackend(): 'tensorflow' | 'wasm' {
  return isTfjsNodeInstalled() ? 'tensorflow' : 'wasm';
}

function isTfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

export class FaceApiEmbedder {
  private constructor(
    private readonly faceapi: FaceApi,
    /** TensorFlow.js backend name, `tensorflow` for tfjs-node or `wasm`. */
    readonly backend: string,
  ) {}

  /** Identifies the networks and their version; part of the embedding cache key. */
  static readonly modelId = 'face-api@1.7.15:ssd_mobilenetv1+face_landmark_68+face_recognition';

  /** Identifies the preprocessing above; part of the embedding cache key, so change it when the steps change. */
  static readonly preprocessingId =
    `nearest-centre(min ${MIN_DETECTION_SCORE})|fallback ${JSON.stringify(FALLBACK_BOX)}|landmark-align-minbox-0.2|flip`;

  /** Loads the backend and the three networks. */
  static async create(): Promise<FaceApiEmbedder> {
    const useTfjsNode = isTfjsNodeInstalled();
    let faceapi: FaceApi;
    if (useTfjsNode) {
      // The package's default entry requires tfjs-node; its API is the same as the WASM build's.
      await import('@tensorflow/tfjs-node' as string);
      faceapi = (await import('@vladmandic/face-api')) as unknown as FaceApi;
    } else {
      faceapi = await import('@vladmandic/face-api/dist/face-api.node-wasm.js');
      await tf.setBackend('wasm');
    }
    await tf.ready();

    const modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
    return new FaceApiEmbedder(faceapi, tf.getBackend());
  }

  /** Computes the descriptor of the face nearest the image centre, and of its mirror image. */
  async embed(image: RgbImage): Promise<FaceEmbedding> {
    const { faceapi } = this;
    const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const detections = await faceapi.detectAllFaces(
        input as never,
        new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_DETECTION_SCORE }),
      );
      const nearest = this.nearestToCentre(detections, image);
      const box = nearest
        ? nearest.box
        : new faceapi.Box({
            x: FALLBACK_BOX.x * image.width,
            y: FALLBACK_BOX.y * image.height,
            width: FALLBACK_BOX.width * image.width,
            height: FALLBACK_BOX.height * image.height,
          });

      const [crop] = await faceapi.extractFaceTensors(input as never, [box]);
      const landmarks = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop as never)) as InstanceType<
        FaceApi['FaceLandmarks68']
      >;
      crop!.dispose();
      const aligned = landmarks.shiftBy(box.x, box.y).align();

      const [face] = await faceapi.extractFaceTensors(input as never, [aligned]);
      const mirrored = tf.reverse(face as unknown as tf.Tensor3D, 1);
      const descriptor = (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(face as never)) as Float32Array;
      const flippedDescriptor = (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(
        mirrored as never,
      )) as Float32Array;
      face!.dispose();
      mirrored.dispose();

      return {
        detected: nearest !== undefined,
        detectionScore: nearest ? nearest.score : 0,
        box: [box.x, box.y, box.width, box.height],
        descriptor,
        flippedDescriptor,
      };
    } finally {
      input.dispose();
    }
  }

  private nearestToCentre(
    detections: InstanceType<FaceApi['FaceDetection']>[],
    image: RgbImage,
  ): InstanceType<FaceApi['FaceDetection']> | undefined {
    let best: InstanceType<FaceApi['FaceDetection']> | undefined;
    let bestDistance = Infinity;
    for (const detection of detections) {
      const dx = detection.box.x + detection.box.width / 2 - image.width / 2;
      const dy = detection.box.y + detection.box.height / 2 - image.height / 2;
      const distance = dx * dx + dy * dy;
      if (distance < bestDistance) {
        best = detection;
        bestDistance = distance;
      }
    }
    return best;
  }
}
