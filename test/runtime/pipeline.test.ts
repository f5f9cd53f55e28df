// The whole pipeline on a small slice of LFW, run twice from a copy of the committed embedding cache. The second
// run embeds nothing and writes byte-identical weights, and the files it writes agree with the golden model.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { readReplayVectors } from '../../runtime/artifacts.ts';
import { EmbeddingCache, sha256Hex } from '../../runtime/embedding-cache.ts';
import { FACE_API_DIMS, FaceApiEmbedder, selectedBackend } from '../../runtime/face-api-embedder.ts';
import { HUMAN_DIMS, HumanEmbedder } from '../../runtime/human-embedder.ts';
import { classifyInt, loadIntModel } from '../../runtime/integer-model.ts';
import { quantizeVector } from '../../runtime/quantize.ts';
import { runPipeline, type PipelineOptions } from '../../runtime/run-pipeline.ts';

const FACES = resolve('../shared/data/lfw_deepfunneled_min5');
const STRANGERS = resolve('../shared/data/lfw_deepfunneled_lt5');
const PEOPLE = ['Adrien_Brody', 'Ann_Veneman', 'Anna_Kournikova', 'Bill_McBride'];

function sliceOf(root: string, people: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hdlc-lfw-slice-'));
  for (const person of people) symlinkSync(join(root, person), join(dir, person));
  return dir;
}

describe('pipeline on an LFW slice', function () {
  this.timeout(300_000);
  const out = mkdtempSync(join(tmpdir(), 'hdlc-pipeline-'));
  const options: PipelineOptions = {
    facesDir: sliceOf(FACES, PEOPLE),
    // The first 30 people of the seeded stranger shuffle, whose embeddings the committed cache holds.
    strangersDir: STRANGERS,
    maxStrangerPeople: 30,
    outDir: out,
    minImages: 5,
    workers: 2,
    seed: 42,
    testFraction: 0.2,
    folds: 3,
    maxFalseAcceptRate: 0.05,
    stage: 'all',
    commandLine: 'pipeline test',
  };
  let firstWeights: Buffer;

  before(async () => {
    mkdirSync(join(out, 'cache'));
    for (const file of readdirSync('generated/lfw/cache')) copyFileSync(join('generated/lfw/cache', file), join(out, 'cache', file));
    await runPipeline(options);
    firstWeights = readFileSync(join(out, 'weights.json'));
  });

  it('writes weights the loader accepts', () => {
    const model = loadIntModel(join(out, 'weights.json'));
    expect(model.classes).to.deep.equal(PEOPLE);
    expect(model.dims).to.equal(128);
    expect(Math.max(...model.weights.map((row) => Math.max(...row.map(Math.abs))))).to.equal(127);
  });

  it('writes the projection that turns joined descriptors into the replayed codes', () => {
    const projection = JSON.parse(readFileSync(join(out, 'projection.json'), 'utf8')) as {
      networks: string[];
      inputDims: number;
      outputDims: number;
      mean: number[];
      components: number[][];
    };
    expect(projection.networks).to.deep.equal(['human', 'face-api']);
    expect(projection.inputDims).to.equal(1024 + 128);
    expect(projection.outputDims).to.equal(128);
    expect(projection.mean).to.have.length(1152);
    expect(projection.components).to.have.length(1152);
    expect(projection.components[0]).to.have.length(128);
  });

  it('projection.json read as described gives the replayed codes', () => {
    // Follows the file's own description in float64, without the pipeline's descriptor or projection code, so a
    // description that does not match the code fails here.
    const projection = JSON.parse(readFileSync(join(out, 'projection.json'), 'utf8')) as {
      description: string;
      networks: string[];
      flip: boolean;
      fusionWeight: number;
      mean: number[];
      components: number[][];
    };
    const eachWords = projection.flip ? 'the mean of its descriptors of the image and of the mirror image' : 'that of the image as it is';
    expect(projection.description).to.include(`Each network's descriptor is ${eachWords}. Then x joins the human descriptor scaled to unit length`);
    const caches = [
      EmbeddingCache.open(join(out, 'cache'), { model: HumanEmbedder.modelId, preprocessing: HumanEmbedder.preprocessingId, backend: selectedBackend(), dims: HUMAN_DIMS }, { readOnly: true }),
      EmbeddingCache.open(join(out, 'cache'), { model: FaceApiEmbedder.modelId, preprocessing: FaceApiEmbedder.preprocessingId, backend: selectedBackend(), dims: FACE_API_DIMS }, { readOnly: true }),
    ];
    const unit = (values: number[]): number[] => {
      const length = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
      return values.map((value) => value / length);
    };
    const model = loadIntModel(join(out, 'weights.json'));
    const replayed = readReplayVectors(join(out, 'test-set'), model.dims);
    expect(replayed.some((entry) => entry.set === 'stranger-evaluation')).to.equal(true);
    for (const entry of replayed) {
      const root = entry.file.startsWith('faces/') ? options.facesDir : options.strangersDir;
      const hash = sha256Hex(readFileSync(join(root, entry.file.slice(entry.file.indexOf('/') + 1))));
      const [faceres, faceApi] = caches.map((cache) => {
        const embedding = cache.get(hash)!;
        const values = Array.from(embedding.descriptor, (value, k) => (projection.flip ? (value + embedding.flippedDescriptor[k]!) / 2 : value));
        return unit(values);
      });
      const x = [...faceres!, ...faceApi!.map((value) => projection.fusionWeight * value)];
      const y = projection.components[0]!.map((_, j) => x.reduce((sum, value, k) => sum + (value - projection.mean[k]!) * projection.components[k]![j]!, 0));
      const code = quantizeVector(Float32Array.from(y), model.quantization);
      expect(Array.from(code), entry.file).to.deep.equal(Array.from(entry.vector));
    }
    caches.forEach((cache) => cache.close());
  });

  it('replay vectors agree with classifyInt', () => {
    const model = loadIntModel(join(out, 'weights.json'));
    const index = JSON.parse(readFileSync(join(out, 'test-set.json'), 'utf8')) as {
      dims: number;
      entries: Array<{ set: string; label: number; classIndex: number; score: number; secondScore: number; unknown: boolean }>;
    };
    const file = readFileSync(join(out, 'test-set.bin'));
    const bytes = new Int8Array(file.buffer, file.byteOffset, file.byteLength);
    expect(bytes.length).to.equal(index.entries.length * 128);
    index.entries.forEach((entry, row) => {
      const result = classifyInt(model, bytes.subarray(row * 128, (row + 1) * 128));
      expect(result.classIndex, `row ${row}`).to.equal(entry.classIndex);
      expect(result.score, `row ${row}`).to.equal(BigInt(entry.score));
      expect(result.secondScore, `row ${row}`).to.equal(BigInt(entry.secondScore));
      expect(result.unknown, `row ${row}`).to.equal(entry.unknown);
    });
    expect(index.entries.some((entry) => entry.set === 'test' && entry.label >= 0)).to.equal(true);
    expect(index.entries.some((entry) => entry.set === 'stranger-evaluation' && entry.label === -1)).to.equal(true);
  });

  it('writes the report and the curve', () => {
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      variants: unknown[];
      candidates: Array<{ chosen: boolean; criterion: number }>;
      chosen: { rule: string };
      embeddings: Array<{ network: string }>;
      data: { strangerHalves: Record<'negatives' | 'calibration' | 'evaluation', { people: number; images: number }> };
    };
    expect(report.variants).to.have.length(8);
    expect(report.embeddings.map((embedding) => embedding.network)).to.deep.equal(['human', 'face-api']);
    // Six rotated descriptors (two flips, three fusion weights) and the best of them without the rotation.
    expect(report.candidates).to.have.length(7);
    const chosen = report.candidates.filter((candidate) => candidate.chosen);
    expect(chosen).to.have.length(1);
    expect(chosen[0]!.criterion).to.equal(Math.max(...report.candidates.map((candidate) => candidate.criterion)));
    const halves = report.data.strangerHalves;
    expect(halves.negatives.people + halves.calibration.people).to.equal(15);
    expect(halves.evaluation.people).to.equal(15);
    expect(halves.negatives.images).to.be.greaterThan(0);
    expect(['score', 'margin']).to.include(report.chosen.rule);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).to.match(/## Unknown rejection/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).to.match(/## Descriptor choice/);
    // The slice's few calibration strangers cannot bound a 5 % rate at 95 % confidence, and the report states it.
    expect(readFileSync(join(out, 'report.md'), 'utf8')).to.match(/the limit is not assured\. About 59 calibration strangers would be needed/);
    expect(readFileSync(join(out, 'threshold-curve.svg'), 'utf8')).to.match(/^<svg /);
  });

  it('rerun takes every embedding from the cache and repeats the weights', async () => {
    await runPipeline(options);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { embeddings: Array<{ computedThisRun: number }> };
    expect(report.embeddings).to.have.length(2);
    for (const embedding of report.embeddings) expect(embedding.computedThisRun).to.equal(0);
    expect(readFileSync(join(out, 'weights.json')).equals(firstWeights)).to.equal(true);
  });

  it('command prints its help', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/pipeline.ts', '--help'], { encoding: 'utf8' });
    expect(result.status).to.equal(0);
    expect(result.stdout).to.match(/--faces <dir>/);
    expect(result.stdout).to.match(/--strangers <dir>/);
  });

  it('rejects too few stranger people', async () => {
    const failing = { ...options, strangersDir: sliceOf(STRANGERS, ['Aaron_Eckhart', 'Aaron_Guiel', 'Aaron_Patterson']), outDir: join(out, 'few') };
    let message = '';
    await runPipeline(failing).catch((error: Error) => {
      message = error.message;
    });
    expect(message).to.match(/--strangers .* has 3 people with images; at least 4 are needed \(2 with --no-stranger-negatives\)/);
  });

  it('rejects one folder as faces and strangers', async () => {
    let message = '';
    await runPipeline({ ...options, strangersDir: options.facesDir, outDir: join(out, 'same') }).catch((error: Error) => {
      message = error.message;
    });
    expect(message).to.match(/--faces and --strangers name the same folder/);
  });

  it('command rejects a blank confidence', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/pipeline.ts', '--faces', FACES, '--strangers', STRANGERS, '--confidence', ''], { encoding: 'utf8' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/option '--confidence <x>' argument '' is invalid. expected 0, or a number above 0 and below 1 \(0.95 for 95 %\)/);
  });

  it('command rejects a single fold', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/pipeline.ts', '--faces', FACES, '--strangers', STRANGERS, '--folds', '1'], { encoding: 'utf8' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/option '--folds <n>' argument '1' is invalid. expected a whole number of at least 2/);
  });

  it('command names a missing folder', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/pipeline.ts', '--faces', '/nonexistent/faces', '--strangers', '/nonexistent/strangers', '--out', out], { encoding: 'utf8' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/cannot read the data set folder \/nonexistent\/faces/);
  });
});
