/**
 * The pipeline report: `report.json` with every measured figure, `report.md` for readers, and
 * `threshold-curve.svg`, the open-set rates of the chosen rule over the threshold, drawn with Vega-Lite.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import type { SkippedImage } from './embed-images.ts';
import type { EmbeddingTiming } from './embedding-cache.ts';
import type { RejectionRule } from './integer-model.ts';
import type { OpenSetRates } from './open-set.ts';
import type { QuantizeSettings } from './quantize.ts';

export interface VariantResult {
  kind: 'fp32' | 'fp32-max-scaled' | 'int8-embeddings' | 'integer';
  descriptor: string;
  dims: number;
  quantization?: QuantizeSettings;
  C: number;
  cvAccuracy?: number;
  testAccuracy: number;
  cvGrid?: Array<{ C: number; accuracy: number }>;
  explainedVariance?: number;
  /** Open-set rates on the test faces and evaluation strangers, each rule at its calibrated threshold. */
  openSet?: { score: OpenSetRates; margin: OpenSetRates };
}

interface RuleResult {
  rule: RejectionRule;
  threshold: number;
  /** Out-of-fold training faces and calibration strangers. */
  calibration: OpenSetRates;
  /** Test faces and evaluation strangers. */
  evaluation: OpenSetRates;
}

/** One descriptor measured during the choice, at D = 128. */
export interface CandidateResult {
  descriptor: string;
  flip: boolean;
  fusionWeight: number | null;
  rotated: boolean;
  C: number;
  cvAccuracy: number;
  integerTestAccuracy: number;
  /** Out-of-fold training faces accepted and correct under the better rule, which the choice maximizes. */
  criterion: number;
  rules: RuleResult[];
  chosen: boolean;
}

/** Source and speed of one network's embeddings. */
export interface EmbeddingSummary {
  network: string;
  model: string;
  preprocessing: string;
  backend: string;
  dims: number;
  timing: EmbeddingTiming | undefined;
  computedThisRun: number;
  fromCache: number;
}

export interface PipelineReport {
  command: string;
  reference: { fp32: number; int8: number; people: number; images: number; train: number; test: number };
  data: {
    faces: { root: string; people: number; images: number };
    strangers: { root: string; people: number; images: number; peopleInFolder: number };
    skipped: SkippedImage[];
    fallbackBoxes: Array<{ network: string; faces: number; strangers: number }>;
    split: { seed: number; testFraction: number; train: number; test: number };
    strangerHalves: {
      /** Strangers that trained the SVMs as negatives of every class; none when that is off. */
      negatives: { people: number; images: number };
      calibration: { people: number; images: number };
      evaluation: { people: number; images: number };
    };
  };
  embeddings: EmbeddingSummary[];
  /** `fused`, `human` or `face-api`. */
  source: string;
  candidates: CandidateResult[];
  variants: VariantResult[];
  quantizationVariants: VariantResult[];
  dimsVariants: VariantResult[];
  chosen: {
    flip: boolean;
    fusionWeight: number | null;
    rotated: boolean;
    descriptor: string;
    quantization: QuantizeSettings;
    dims: number;
    C: number;
    cvAccuracy: number;
    integerTestAccuracy: number;
    /** Share of the training variance the PCA to `dims` keeps. */
    explainedVariance: number;
    rule: RejectionRule;
    threshold: number;
  };
  openSet: {
    maxFalseAcceptRate: number;
    confidence: number;
    /** Calibration strangers the threshold may accept. */
    allowedFalseAccepts: number;
    /** Upper confidence bound of the false-accept rate at that count; null at confidence 0. */
    bound: number | null;
    /** Calibration strangers needed for the bound to reach the limit with none accepted. */
    strangersNeeded: number;
    rules: RuleResult[];
    curves: Record<string, OpenSetRates[]>;
  };
  timings: Record<string, number>;
  folds: number;
  grid: number[];
}

const pct = (value: number | undefined): string => (value === undefined ? '–' : `${(100 * value).toFixed(2)} %`);
const KIND_NAMES: Record<VariantResult['kind'], string> = {
  fp32: 'FP32 embeddings, float weights',
  'fp32-max-scaled': 'FP32 embeddings divided by their largest magnitude, float weights',
  'int8-embeddings': 'INT8 embeddings, float weights',
  integer: 'integer model (INT8 weights, INT32 biases)',
};
/** Formats a difference in accuracy as a count of faces: "9 faces fewer" or "1 face more". */
function faces(drop: number, total: number): string {
  const count = Math.round(Math.abs(drop) * total);
  return `${count} face${count === 1 ? '' : 's'} ${drop >= 0 ? 'fewer' : 'more'}`;
}
const quantName = (q: QuantizeSettings | undefined): string => (q ? `${q.rounding}, ${q.arithmetic}` : '–');

/** Renders the open-set curve of one rule as SVG. */
export async function renderCurve(curve: readonly OpenSetRates[], rule: RejectionRule, threshold: number): Promise<string> {
  const values = curve.flatMap((point) => [
    { threshold: point.threshold, rate: point.falseAcceptRate, series: 'strangers accepted (evaluation half)' },
    { threshold: point.threshold, rate: point.acceptedCorrect, series: 'known test faces accepted and correct' },
  ]);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Unknown rejection by ${rule === 'score' ? 'best score' : 'margin best - second'} (integer model)`,
    width: 560,
    height: 300,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'threshold', type: 'quantitative', title: `threshold (integer ${rule === 'score' ? 'score' : 'margin'})` },
          y: { field: 'rate', type: 'quantitative', title: 'share', axis: { format: '%' } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 } },
        },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string } {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** The figures of one run that the comparison of descriptor sources shows. */
interface SourceSummary {
  source: string;
  folder: string;
  descriptor: string;
  fp32: number;
  integer: number;
  rule: RejectionRule;
  evaluation: OpenSetRates;
}

/** Picks the compared figures out of a report. */
function summarize(report: PipelineReport, folder: string): SourceSummary {
  const fp32 = report.variants.find((v) => v.kind === 'fp32' && v.descriptor === report.chosen.descriptor)!;
  const rule = report.openSet.rules.find((r) => r.rule === report.chosen.rule)!;
  return {
    source: report.source,
    folder,
    descriptor: report.chosen.descriptor,
    fp32: fp32.testAccuracy,
    integer: report.chosen.integerTestAccuracy,
    rule: report.chosen.rule,
    evaluation: rule.evaluation,
  };
}

/**
 * Returns a section that sets this run beside the runs of other descriptor sources in the subfolders `human/`,
 * `face-api/` and `fused/` of `outDir`, for those that hold a report.json of this format.
 */
function sourceComparison(report: PipelineReport, outDir: string): string[] {
  const others: SourceSummary[] = [];
  for (const folder of ['human', 'face-api', 'fused']) {
    const path = join(outDir, folder, 'report.json');
    if (!existsSync(path)) continue;
    try {
      const other = JSON.parse(readFileSync(path, 'utf8')) as PipelineReport;
      if (other.source !== report.source && other.chosen?.integerTestAccuracy !== undefined) others.push(summarize(other, `${folder}/`));
    } catch {
      // A report of an older format has no source or chosen figures; it is left out.
    }
  }
  if (others.length === 0) return [];
  const row = (summary: SourceSummary): string =>
    `| ${summary.source} | ${summary.folder} | ${summary.descriptor} | ${pct(summary.fp32)} | ${pct(summary.integer)} | ` +
    `${(100 * (summary.fp32 - summary.integer)).toFixed(2)} | ${summary.rule} | ${pct(summary.evaluation.acceptedCorrect)} | ${pct(summary.evaluation.falseAcceptRate)} |`;
  return [
    '## Descriptor sources compared',
    '',
    'This run beside the runs of the other descriptor sources in the subfolders, each with the same split, strangers and choices. ' +
      'The drop is FP32 minus the integer model, in points (negative: a gain); the open-set columns are the test faces accepted and correctly named and ' +
      'the evaluation strangers accepted, at each run\'s chosen rule and threshold.',
    '',
    '| source | folder | chosen descriptor | FP32 | integer model | drop | rule | accepted and correct | strangers accepted |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |',
    row(summarize(report, 'this run')),
    ...others.map(row),
    '',
  ];
}

/** Returns the section of `network-comparison.md` after its title, when `pipeline:compare` has written it. */
function networkComparison(outDir: string): string[] {
  const path = join(outDir, 'network-comparison.md');
  if (!existsSync(path)) return [];
  const body = readFileSync(path, 'utf8').split('\n').slice(1);
  return ['## Descriptor networks compared', '', 'From `network-comparison.md`, written by `npm run pipeline:compare`:', ...body];
}

function markdown(report: PipelineReport, host: ReturnType<typeof machine>, outDir: string): string {
  const { chosen, openSet } = report;
  const chosenVariants = report.variants.filter((v) => v.descriptor === chosen.descriptor);
  const fp32 = chosenVariants.find((v) => v.kind === 'fp32')!;
  const scaled = chosenVariants.find((v) => v.kind === 'fp32-max-scaled');
  const rule = openSet.rules.find((r) => r.rule === chosen.rule)!;
  const halves = report.data.strangerHalves;
  const lines: string[] = [];
  const push = (...text: string[]): void => {
    lines.push(...text);
  };

  const drop = fp32.testAccuracy - chosen.integerTestAccuracy;
  const accuracyMet = chosen.integerTestAccuracy >= 0.977 && drop <= 0.0025 + 1e-12;
  const openSetMet = rule.evaluation.falseAcceptRate <= 0.01 && rule.evaluation.acceptedCorrect >= 0.9;
  push(
    '# LFW face classifier: training report',
    '',
    `Written by \`${report.command}\`. Figures are top-1 accuracy on the ${report.data.split.test} test faces unless a column says otherwise.`,
    '',
    '## Result',
    '',
    `Descriptor: ${sourceWords(report)}, ${chosen.descriptor}, PCA to ${chosen.dims}.`,
    '',
    '| model | descriptor | D | C | cross-validation | test accuracy |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    `| reference FP32 (FaceNet, one-vs-one SVC) | – | 512 | – | – | ${pct(report.reference.fp32)} |`,
    `| reference INT8 embeddings, float weights | – | 512 | – | – | ${pct(report.reference.int8)} |`,
  );
  for (const v of report.variants) {
    const mark = v.descriptor === chosen.descriptor ? ' **(chosen)**' : '';
    push(`| ${KIND_NAMES[v.kind]}${mark} | ${v.descriptor} | ${v.dims} | ${v.C} | ${pct(v.cvAccuracy)} | ${pct(v.testAccuracy)} |`);
  }
  push(
    '',
    `The chosen integer model scores ${pct(chosen.integerTestAccuracy)} against ${pct(fp32.testAccuracy)} for FP32 with the same descriptor, ` +
      `${drop >= 0 ? 'a drop' : 'a gain'} of ${Math.abs(100 * drop).toFixed(2)} points (target: at least 97.70 % with a drop of at most 0.25 points; ` +
      `${accuracyMet ? 'met' : 'not met'}).`,
    ...(scaled
      ? [
          `Per-vector INT8 quantization divides each embedding by its largest magnitude and then rounds. FP32 with that division alone ` +
            `scores ${pct(scaled.testAccuracy)} (C ${scaled.C}, against ${fp32.C} for FP32, each chosen by cross-validation): ` +
            `${faces(fp32.testAccuracy - scaled.testAccuracy, report.data.split.test)} than FP32, and ` +
            `${faces(chosen.integerTestAccuracy - scaled.testAccuracy, report.data.split.test)} than the integer model (C ${chosen.C}).`,
        ]
      : []),
    `C of every model was chosen by ${report.folds}-fold stratified cross-validation on the training split over C in {${report.grid.join(', ')}}.`,
    '',
    '## Descriptor choice',
    '',
    'Each descriptor below was measured as the integer model at D = 128. The choice takes the highest share of training faces ' +
      'accepted and correctly named, under the better of the two rules. Each training face is scored by the cross-validation fold ' +
      'model that did not train on it, at that model\'s own threshold calibrated on the calibration strangers. The choice never looks ' +
      'at the test faces or the evaluation strangers; their columns are for the reader. Rotated means a Hadamard rotation after the ' +
      'PCA (see `runtime/projection.ts`).',
    '',
    '| descriptor | C | cross-validation | integer test accuracy | training faces accepted and correct, rule score | same, rule margin | open set, rule score | open set, rule margin |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.candidates.map((candidate) => {
      const byRule = (name: RejectionRule) => candidate.rules.find((r) => r.rule === name);
      return (
        `| ${candidate.descriptor}${candidate.chosen ? ' **(chosen)**' : ''} | ${candidate.C} | ${pct(candidate.cvAccuracy)} | ${pct(candidate.integerTestAccuracy)} | ` +
        `${pct(byRule('score')?.calibration.acceptedCorrect)} | ${pct(byRule('margin')?.calibration.acceptedCorrect)} | ` +
        `${openSetCell(byRule('score')?.evaluation)} | ${openSetCell(byRule('margin')?.evaluation)} |`
      );
    }),
    '',
    'The open-set columns give the share of test faces accepted and correctly named, with the share of evaluation strangers accepted in brackets.',
    '',
    '## Unknown rejection',
    '',
    `Rule **${chosen.rule}**, threshold **${chosen.threshold}** (integer score units). ${thresholdWords(report)}` +
      (halves.negatives.images > 0
        ? ` Every SVM was trained with ${halves.negatives.images} images of ${halves.negatives.people} ` +
          'other stranger people as negatives of every class; those people are in neither the calibration nor the evaluation strangers.'
        : ''),
    '',
    '| rule | threshold | strangers accepted, calibration | training faces accepted and correct (out of fold) | strangers accepted, evaluation | test faces accepted and correct | test faces accepted but wrong | test faces rejected |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of openSet.rules) {
    push(
      `| ${r.rule}${r.rule === chosen.rule ? ' **(chosen)**' : ''} | ${r.threshold} | ${pct(r.calibration.falseAcceptRate)} | ${pct(r.calibration.acceptedCorrect)} | ` +
        `${pct(r.evaluation.falseAcceptRate)} | ${pct(r.evaluation.acceptedCorrect)} | ${pct(r.evaluation.acceptedWrong)} | ${pct(r.evaluation.rejectedKnown)} |`,
    );
  }
  push(
    '',
    `On the evaluation half (${halves.evaluation.people} people, ${halves.evaluation.images} images) ` +
      `the chosen rule accepts ${pct(rule.evaluation.falseAcceptRate)} of strangers, and ${pct(rule.evaluation.acceptedCorrect)} of the test faces ` +
      `are accepted and correctly named (targets: at most 1 %, at least 90 %; ${openSetMet ? 'met' : 'not met'}).`,
    '',
    '![open-set rates over the threshold](threshold-curve.svg)',
    '',
    '## Quantization settings',
    '',
    `Integer model accuracy for each INT8 conversion of the embeddings, each SVM trained with C = ${chosen.C}, the C that cross-validation chose for the first row's setting.`,
    '',
    '| rounding, arithmetic | test accuracy |',
    '| --- | ---: |',
    ...report.quantizationVariants.map((v) => `| ${quantName(v.quantization)} | ${pct(v.testAccuracy)} |`),
    '',
    '## Descriptor length',
    '',
    `The chosen descriptor projected to other lengths by PCA fitted on the training split${chosen.rotated ? ', each followed by the Hadamard rotation' : ''}. ` +
      `Shorter rows choose C by cross-validation among the neighbours of ${chosen.C} in the grid; longer rows use C = ${chosen.C} without cross-validation. ` +
      'Weight memory is classes × D bytes; the UP5K\'s four SPRAMs hold 131072 bytes. The open-set columns are as above, each rule at its own calibrated threshold.',
    '',
    '| D | variance kept | weight bytes | C | cross-validation | integer test accuracy | open set, rule score | open set, rule margin |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    // The longer rows have no cross-validation figure, which pct() prints as '–'.
    ...report.dimsVariants.filter((v) => v.dims < chosen.dims).map((v) => dimsRow(v, report.data.faces.people)),
    `| ${chosen.dims} | ${pct(chosen.explainedVariance)} | ${chosen.dims * report.data.faces.people} | ${chosen.C} | ${pct(chosen.cvAccuracy)} | ${pct(chosen.integerTestAccuracy)} | ` +
      `${openSetCell(openSet.rules.find((r) => r.rule === 'score')?.evaluation)} | ${openSetCell(openSet.rules.find((r) => r.rule === 'margin')?.evaluation)} |`,
    ...report.dimsVariants.filter((v) => v.dims > chosen.dims).map((v) => dimsRow(v, report.data.faces.people)),
    '',
    ...sourceComparison(report, outDir),
    ...networkComparison(outDir),
    '## Data',
    '',
    `- Known people: \`${report.data.faces.root}\`, ${report.data.faces.people} people, ${report.data.faces.images} images; ` +
      `split ${report.data.split.train} train / ${report.data.split.test} test (stratified, test fraction ${report.data.split.testFraction}, seed ${report.data.split.seed}).`,
    `- Strangers: \`${report.data.strangers.root}\`, ${report.data.strangers.people} people` +
      (report.data.strangers.people < report.data.strangers.peopleInFolder
        ? ` (of ${report.data.strangers.peopleInFolder}, drawn by a shuffle seeded with ${report.data.split.seed})`
        : '') +
      `, ${report.data.strangers.images} images, split by person into halves: ${halves.evaluation.people} people for evaluation, and ` +
      (halves.negatives.people > 0
        ? `${halves.calibration.people + halves.negatives.people} split again by person into ` +
          `${halves.negatives.people} as training negatives and ${halves.calibration.people} for calibration.`
        : `${halves.calibration.people} for calibration.`),
    ...report.data.fallbackBoxes.map(
      (boxes) => `- ${boxes.network}: no face detected, fallback box used, in ${boxes.faces} known-face images and ${boxes.strangers} stranger images.`,
    ),
    `- Images skipped, unreadable or without a face for a network: ${report.data.skipped.length}${report.data.skipped.length ? ` (${report.data.skipped.map((s) => s.name).join(', ')})` : ''}.`,
    '',
    '## Embedding',
    '',
    ...report.embeddings.flatMap((embedding) => [
      `- ${embedding.network}: ${embedding.model}, ${embedding.dims}-D, TensorFlow.js backend \`${embedding.backend}\`, preprocessing \`${embedding.preprocessing}\`.`,
      embedding.timing
        ? `  Speed of the run that filled the cache: ${embedding.timing.images} images in ${embedding.timing.seconds.toFixed(0)} s on ${embedding.timing.workers} worker threads, ` +
          `${(1000 * embedding.timing.secondsPerImagePerWorker).toFixed(0)} ms per image per worker (both descriptors, plain and mirrored).`
        : '  Speed: not recorded.',
      `  This run: ${embedding.computedThisRun} images embedded, ${embedding.fromCache} taken from the cache.`,
    ]),
    '',
    '## Timings of this run',
    '',
    '| stage | seconds |',
    '| --- | ---: |',
    ...Object.entries(report.timings).map(([stage, seconds]) => `| ${stage} | ${seconds.toFixed(1)} |`),
    '',
    '## Machine',
    '',
    `${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node.js ${host.node}, ${host.platform}.`,
    '',
  );
  return lines.join('\n');
}

/** Names the networks behind the descriptor. */
function sourceWords(report: PipelineReport): string {
  const names = report.embeddings.map((embedding) => `${embedding.network} (${embedding.dims}-D)`);
  return names.length > 1 ? `${names.join(' and ')} joined` : names[0]!;
}

/** Explains how the threshold was calibrated. */
function thresholdWords(report: PipelineReport): string {
  const { openSet } = report;
  const calibration = report.data.strangerHalves.calibration;
  const strangers = `${calibration.images} calibration strangers (${calibration.people} people)`;
  if (openSet.confidence === 0) {
    return `The threshold is the smallest that accepts at most ${pct(openSet.maxFalseAcceptRate)} of the ${strangers}.`;
  }
  const confidence = `${(100 * openSet.confidence).toFixed(0)} %`;
  if (openSet.bound !== null && openSet.bound > openSet.maxFalseAcceptRate) {
    return (
      `The threshold accepts none of the ${strangers}, and even so the one-sided ${confidence} Clopper-Pearson upper bound of the ` +
      `false-accept rate is ${pct(openSet.bound)}, above the limit of ${pct(openSet.maxFalseAcceptRate)}: the limit is not assured. ` +
      `About ${openSet.strangersNeeded} calibration strangers would be needed.`
    );
  }
  return (
    `The threshold is the smallest that accepts at most ${openSet.allowedFalseAccepts} of the ${strangers}: the most for which the ` +
    `one-sided ${confidence} Clopper-Pearson upper bound of the false-accept rate stays at or below ` +
    `${pct(openSet.maxFalseAcceptRate)}, so the limit holds for unseen strangers with that confidence.`
  );
}

/** Formats one row of the descriptor-length table; `classes` sets the weight bytes. */
function dimsRow(variant: VariantResult, classes: number): string {
  return (
    `| ${variant.dims} | ${pct(variant.explainedVariance)} | ${variant.dims * classes} | ${variant.C} | ${pct(variant.cvAccuracy)} | ` +
    `${pct(variant.testAccuracy)} | ${openSetCell(variant.openSet?.score)} | ${openSetCell(variant.openSet?.margin)} |`
  );
}

function openSetCell(rates: OpenSetRates | undefined): string {
  return rates ? `${pct(rates.acceptedCorrect)} (${pct(rates.falseAcceptRate)})` : '–';
}

/** Writes report.json, report.md and threshold-curve.svg to `outDir`. */
export async function writeReport(outDir: string, report: PipelineReport): Promise<void> {
  const host = machine();
  writeFileSync(join(outDir, 'report.json'), JSON.stringify({ ...report, machine: host }, null, 2) + '\n');
  writeFileSync(join(outDir, 'report.md'), markdown(report, host, outDir));
  const rule = report.openSet.rules.find((r) => r.rule === report.chosen.rule)!;
  writeFileSync(join(outDir, 'threshold-curve.svg'), await renderCurve(report.openSet.curves[rule.rule]!, rule.rule, rule.threshold));
}
