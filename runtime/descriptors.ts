/**
 * The descriptor that the classifier is trained on, before INT8 quantization: which networks give it, whether each is averaged
 * with its mirror image, how two networks are joined, and whether the Hadamard rotation follows the PCA.
 */

import type { NetworkName } from './embed-worker.ts';
import type { FaceEmbedding } from './face-api-embedder.ts';
import { descriptorOf, fuseDescriptors } from './features.ts';

/** A single network, or human's faceres and face-api joined (`fused`). */
export type DescriptorSource = NetworkName | 'fused';

/** The networks each source embeds with, in the order of `rawDescriptor`'s `embeddings`. */
export const NETWORKS_OF: Record<DescriptorSource, readonly NetworkName[]> = {
  fused: ['human', 'face-api'],
  human: ['human'],
  'face-api': ['face-api'],
};

/** Weights of face-api's unit-length descriptor next to faceres's, tried when the source is `fused`. */
export const FUSION_WEIGHTS = [1, 1.5, 2] as const;

export interface DescriptorSpec {
  /** Average each descriptor with that of the mirror image. */
  flip: boolean;
  /** Weight of the second network's descriptor; undefined for a single network. */
  fusionWeight: number | undefined;
  /** Follow the PCA with the Hadamard rotation. */
  rotate: boolean;
}

/** Builds the descriptor of one image from its embeddings, one per network of the source. */
export function rawDescriptor(embeddings: readonly FaceEmbedding[], spec: DescriptorSpec): Float32Array {
  const [first, second] = embeddings;
  if (spec.fusionWeight === undefined) return descriptorOf(first!, spec.flip);
  return fuseDescriptors(descriptorOf(first!, spec.flip), descriptorOf(second!, spec.flip), spec.fusionWeight);
}

/** Words for a report: "mean with mirror image, face-api weight 1.5, rotated". */
export function describeSpec(spec: DescriptorSpec): string {
  return [
    spec.flip ? 'mean with mirror image' : 'plain',
    ...(spec.fusionWeight === undefined ? [] : [`face-api weight ${spec.fusionWeight}`]),
    spec.rotate ? 'rotated' : 'not rotated',
  ].join(', ');
}

/** Key of a spec for maps. */
export const specKey = (spec: DescriptorSpec): string => `${spec.flip}|${spec.fusionWeight ?? '-'}|${spec.rotate}`;

/** Lists the rotated specs the pipeline measures first, in order: plain then mirrored, each over the fusion weights. */
export function rotatedCandidates(source: DescriptorSource): DescriptorSpec[] {
  const weights: ReadonlyArray<number | undefined> = source === 'fused' ? FUSION_WEIGHTS : [undefined];
  return [false, true].flatMap((flip) => weights.map((fusionWeight) => ({ flip, fusionWeight, rotate: true })));
}
