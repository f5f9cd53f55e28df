/**
 * A `file://` model loader for TensorFlow.js without tfjs-node: plain tfjs in Node has no file-system IO handler,
 * so graph models that a package ships (model.json plus weight shards) are read with `fs` here.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';

interface ModelJson {
  modelTopology?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

let registered = false;

/** Registers the loader once per process; tfjs then uses it for every `file://` URL. */
export function registerFileLoader(): void {
  if (registered) return;
  registered = true;
  tf.io.registerLoadRouter((url): tf.io.IOHandler => {
    if (typeof url !== 'string' || !url.startsWith('file://')) {
      // tfjs skips a router that returns null, although the IORouter type leaves null out.
      return null as unknown as tf.io.IOHandler;
    }
    const path = fileURLToPath(url);
    return {
      load: async (): Promise<tf.io.ModelArtifacts> => {
        const json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
        const shards = json.weightsManifest.flatMap((group) => group.paths.map((shard) => readFileSync(join(dirname(path), shard))));
        const weights = Buffer.concat(shards);
        return {
          modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature as tf.io.ModelArtifacts['signature'],
          userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
          weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        };
      },
    };
  });
}
