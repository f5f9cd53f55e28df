/**
 * The pipeline's stages in order, with the timing of each.
 */

import { join } from 'node:path';

import { listDataset } from './dataset.ts';
import { embedImages, type ImageFile } from './embed-images.ts';
import { EmbeddingCache } from './embedding-cache.ts';
import { FACE_API_DIMS, FaceApiEmbedder, selectedBackend } from './face-api-embedder.ts';

export interface PipelineOptions {
  facesDir: string;
  strangersDir: string;
  outDir: string;
  minImages: number;
  workers: number;
  stage: 'embed' | 'all';
  commandLine: string;
}

export async function runPipeline(options: PipelineOptions): Promise<void> {
  const faces = listDataset(options.facesDir, options.minImages);
  const strangers = listDataset(options.strangersDir, 1);
  console.error(
    `faces: ${faces.identities.length} people, ${faces.images.length} images; ` +
      `strangers: ${strangers.identities.length} people, ${strangers.images.length} images`,
  );

  const cache = EmbeddingCache.open(join(options.outDir, 'cache'), {
    model: FaceApiEmbedder.modelId,
    preprocessing: FaceApiEmbedder.preprocessingId,
    backend: selectedBackend(),
    dims: FACE_API_DIMS,
  });
  console.error(`embedding cache ${cache.binPath}: ${cache.size} records`);

  const files: ImageFile[] = [
    ...faces.images.map((image) => ({ path: image.path, name: `faces/${image.relativePath}` })),
    ...strangers.images.map((image) => ({ path: image.path, name: `strangers/${image.relativePath}` })),
  ];
  const embedded = await embedImages(files, cache, options.workers);
  cache.writeIndex(embedded.hashes);
  cache.close();
  console.error(
    `embedded ${embedded.computed} images in ${embedded.computeSeconds.toFixed(1)} s, ` +
      `${embedded.fromCache} from the cache, ${embedded.skipped.length} skipped`,
  );
  if (options.stage === 'embed') return;
}
