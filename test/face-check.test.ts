// The face check command (npm run faces), run as a user runs it: a child
// process on small replay vector files written by writeReplayVectors, and on
// the committed LFW files.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { readReplayVectors, writeReplayVectors, type ReplayVector } from '../runtime/artifacts.ts';
import { classifyInt, loadIntModel, type IntClassification, type IntModel } from '../runtime/integer-model.ts';
import { run, tempDir } from './tools.ts';

function faces(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'runtime/face-check.ts', ...args]);
}

const weightsFixture = 'test/fixtures/small-weights.json';
const small = loadIntModel(weightsFixture);

/** Two test faces and one stranger with fixed, varied int8 values. */
function replayVectors(model: IntModel): ReplayVector[] {
  const vector = (seed: number) => Int8Array.from({ length: model.dims }, (_, i) => ((seed * 37 + i * 11) % 256) - 128);
  return [
    { file: 'faces/person_0/person_0_0001.jpg', set: 'test', label: 0, vector: vector(1) },
    { file: 'faces/person_3/person_3_0002.jpg', set: 'test', label: 3, vector: vector(2) },
    { file: 'strangers/someone/someone_0001.jpg', set: 'stranger-evaluation', label: -1, vector: vector(3) },
  ];
}

/** Writes the small model's replay vectors to a fresh folder before each test and removes the folder after it. */
function useReplayFolder(prefix: string): { dir: string; base: string } {
  const folder = { dir: '', base: '' };
  beforeEach(() => {
    folder.dir = tempDir(prefix);
    folder.base = path.join(folder.dir, 'vectors');
    writeReplayVectors(folder.base, small, replayVectors(small));
  });
  afterEach(() => {
    fs.rmSync(folder.dir, { recursive: true, force: true });
  });
  return folder;
}

function describeOutcome(outcome: IntClassification): string {
  return `class ${outcome.classIndex}, score ${outcome.score}, second score ${outcome.secondScore}, ${outcome.unknown ? 'unknown' : 'accepted'}`;
}

describe('face-check command', () => {
  const folder = useReplayFolder('face-check');

  const badValues: [string, string][] = [
    ['--limit', 'abc'],
    ['--limit', '0'],
    ['--limit', '-3'],
    ['--limit', '2.5'],
    ['--limit', '1e3'],
    ['--limit', ''],
    ['--lanes', 'x'],
    ['--lanes', '0'],
    ['--lanes', '4.0'],
  ];
  for (const [option, value] of badValues) {
    it(`rejects ${option} '${value}'`, () => {
      const result = faces(['--weights', weightsFixture, '--vectors', folder.base, `${option}=${value}`]);
      expect(result.stderr).to.equal(`face-check: ${option} must be a positive whole number, got '${value}'\n`);
      expect(result.stdout).to.equal('');
      expect(result.status).to.equal(1);
    });
  }

  it('runs vectors of the same weights', () => {
    const result = faces(['--weights', weightsFixture, '--vectors', folder.base, '--lanes', '4', '--limit', '1']);
    expect(result.stdout).to.include('test: 1 faces\n  golden model = TypeScript simulation (class, score, flag): 1/1\n');
    expect(result.stdout).to.include('stranger-evaluation: 1 faces\n  golden model = TypeScript simulation (class, score, flag): 1/1\n');
    expect(result.status).to.equal(0);
  });

  it('rejects vectors of other weights', () => {
    // Raising every bias by the same amount moves every score but, under the fixture's margin rule, keeps each
    // predicted class and unknown flag, so only the scores disagree.
    const otherWeights = path.join(folder.dir, 'other-weights.json');
    const json = JSON.parse(fs.readFileSync(weightsFixture, 'utf8')) as { biases: number[] };
    json.biases = json.biases.map((b) => b + 1000);
    fs.writeFileSync(otherWeights, JSON.stringify(json));
    const other = loadIntModel(otherWeights);
    const first = replayVectors(small)[0];

    const result = faces(['--weights', otherWeights, '--vectors', folder.base]);
    expect(result.stderr).to.equal(
      `face-check: ${folder.base}.json was written for other weights than ${otherWeights}: 3 of 3 checked entries disagree. ` +
      `Entry 0 (${first.file}) expects ${describeOutcome(classifyInt(small, first.vector))}, ` +
      `but the weights give ${describeOutcome(classifyInt(other, first.vector))}. ` +
      'Pass the --weights that the vectors were written with, or the matching --vectors.\n',
    );
    expect(result.stdout).to.equal('');
    expect(result.status).to.equal(1);
  });

  it('names the disagreeing entry row', () => {
    // Only the stranger (row 2) is run, so the error must give its row in the file, not its place in the run.
    const json = JSON.parse(fs.readFileSync(`${folder.base}.json`, 'utf8')) as { entries: { score: number }[] };
    json.entries[2].score += 1;
    fs.writeFileSync(`${folder.base}.json`, JSON.stringify(json));

    const result = faces(['--weights', weightsFixture, '--vectors', folder.base, '--sets', 'stranger-evaluation']);
    expect(result.stderr).to.include(`: 1 of 1 checked entries disagree. Entry 2 (strangers/someone/someone_0001.jpg) expects`);
    expect(result.status).to.equal(1);
  });

  it('rejects committed face-api vectors', () => {
    const result = faces(['--vectors', 'generated/lfw/face-api/test-set', '--limit', '5']);
    expect(result.stderr).to.match(
      /^face-check: generated\/lfw\/face-api\/test-set\.json was written for other weights than generated\/lfw\/weights\.json: 10 of 10 checked entries disagree\. Entry 0 \(faces\/[^)]+\.jpg\) expects /,
    );
    expect(result.stdout).to.equal('');
    expect(result.status).to.equal(1);
  });

  it('names a corrupt index file', () => {
    const text = fs.readFileSync(`${folder.base}.json`, 'utf8');
    fs.writeFileSync(`${folder.base}.json`, text.slice(0, text.length / 2));

    const result = faces(['--weights', weightsFixture, '--vectors', folder.base]);
    const escaped = `${folder.base}.json`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(result.stderr).to.match(
      new RegExp(`^face-check: ${escaped} is not valid JSON \\(.+\\); rerun the training pipeline \\(npm run pipeline\\) to rewrite it\\n$`),
    );
    expect(result.status).to.equal(1);
  });

  it('accepts a base ending in .json or .bin', () => {
    for (const file of [`${folder.base}.json`, `${folder.base}.bin`]) {
      const result = faces(['--weights', weightsFixture, '--vectors', file, '--sets', 'test']);
      expect(result.stdout, file).to.include('golden model = TypeScript simulation (class, score, flag): 2/2');
      expect(result.status, file).to.equal(0);
    }
  });

  it('names both files when missing', () => {
    fs.rmSync(`${folder.base}.bin`);
    const result = faces(['--weights', weightsFixture, '--vectors', `${folder.base}.json`]);
    expect(result.stderr).to.equal(
      `face-check: replay vectors file '${folder.base}.bin' not found (looked for ${folder.base}.json and ${folder.base}.bin); ` +
      'run the training pipeline first (npm run pipeline) or pass the path of an existing pair\n',
    );
    expect(result.status).to.equal(1);
  });
});

describe('replay vector reading', () => {
  const folder = useReplayFolder('replay-vectors');

  it('returns the recorded outcome and row', () => {
    const entries = readReplayVectors(folder.base, small.dims);
    const vectors = replayVectors(small);
    expect(entries.map((e) => e.row)).to.deep.equal([0, 1, 2]);
    entries.forEach((entry, i) => {
      expect(entry.file, `entry ${i} file`).to.equal(vectors[i].file);
      expect(entry.vector, `entry ${i} vector`).to.deep.equal(vectors[i].vector);
      expect(entry.expected, `entry ${i} expected`).to.deep.equal(classifyInt(small, vectors[i].vector));
    });
  });

  it('names an entry without a score', () => {
    const json = JSON.parse(fs.readFileSync(`${folder.base}.json`, 'utf8')) as { entries: Record<string, unknown>[] };
    delete json.entries[1].score;
    fs.writeFileSync(`${folder.base}.json`, JSON.stringify(json));
    expect(() => readReplayVectors(folder.base, small.dims)).to.throw(
      `${folder.base}.json entry 1 has no score, expected an integer; rerun the training pipeline (npm run pipeline) to rewrite it`,
    );
  });

  it('names an index without entries', () => {
    fs.writeFileSync(`${folder.base}.json`, JSON.stringify({ dims: small.dims }));
    expect(() => readReplayVectors(folder.base, small.dims)).to.throw(
      `${folder.base}.json is missing an integer 'dims' or an 'entries' array; rerun the training pipeline (npm run pipeline) to rewrite it`,
    );
  });
});
