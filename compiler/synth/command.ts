// `hdlc synth`: builds a design, synthesizes it with Yosys synth_ice40,
// places and routes it with nextpnr-ice40 over several placement seeds, and
// reports the resources used, the maximum clock frequency (the median over
// the seeds) and whether the design fits the device. For the face
// classifier it also wraps the design in its byte-serial pins, reports
// classifications per second, and runs the gate-level check.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildOutputs, loadDesign, UsageError, writeOutputs, type LoadedDesign } from '../build.ts';
import { isGenerator } from '../../dsl/generator.ts';
import { indexWidth } from '../../dsl/lib/index.ts';
import { pipelineCycles } from '../../designs/face-svm.ts';
import { resultBytes } from '../../designs/face-svm-pins.ts';
import { loadIntModel, type IntModel, classifyInt } from '../../runtime/integer-model.ts';
import { devices, resourceLabels, type Device, type ResourceName } from './devices.ts';
import { checkGateLevel, type GateLevelResult } from './gate-level.ts';
import { median, placeAndRoute, type PlaceResult } from './nextpnr.ts';
import { randomEmbeddings } from './random-model.ts';
import { ToolFailedError, ToolMissingError } from '../../sim/icarus.ts';
import { iceCellModels, runTool } from './tools.ts';
import { synthesize, type YosysResult } from './yosys.ts';

export const synthHelp = `Usage: hdlc synth <design.ts> --device up5k|hx8k [--weights FILE] [--param key=value ...]
                  [--seeds N] [--freq MHZ] [--gate-level-faces N] [--faces FILE] [-o DIR]

Builds the design, synthesizes it with Yosys (synth_ice40, with -dsp on the
UP5K), places and routes it with nextpnr-ice40 once per placement seed, and
reports logic cells, flip-flops, DSPs, block RAMs, SPRAMs and the maximum
clock frequency (the median over the seeds). A design that does not fit is
reported with the resource that ran out, and the command exits with code 1.

The face classifier (designs/face-svm.ts) is wrapped in its byte-serial pin
interface (designs/face-svm-pins.ts) so that it fits the package's pins; the
report adds classifications per second, and the gate-level check simulates
the synthesized netlist with the iCE40 cell models in Icarus Verilog and
requires the golden model's class, score and unknown flag for every face of
the sample (exit code 1 otherwise).

Options:
  --device NAME           up5k (UltraPlus, SG48 package) or hx8k (CT256 package)
  --weights FILE          a trained weights file, as for hdlc build
  --param key=value       a generator parameter; repeat for several
  --top NAME              the export to build (default: the default export)
  --seeds N               placement seeds 1..N (default 3)
  --freq MHZ              the clock frequency nextpnr aims at (default 48)
  --gate-level-faces N    faces in the gate-level check (default 10; 0 skips it)
  --faces FILE            int8 embeddings for the check, rows of D bytes
                          (default: test-set.bin beside the weights file when
                          it exists, else random embeddings, seed 1)
  --no-wrapper            synthesize the face classifier without its pins
  --no-dsp-workaround     run synth_ice40 without the workaround for the
                          Yosys 0.23 ice40_dsp fault (see compiler/synth/yosys.ts)
  -o, --out DIR           output folder (default: out/synth)
  -h, --help              show this help`;

/**
 * A finished run whose result is a failure: the design does not fit, or the
 * netlist disagrees with the golden model. Its message names the cause, so
 * the stack is reduced to the message and the CLI adds no source frame.
 */
export class SynthResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthResultError';
    this.stack = `${this.name}: ${message}`;
  }
}

const pinsDesign = fileURLToPath(new URL('../../designs/face-svm-pins.ts', import.meta.url));

/** Facts about the face classifier that its runs add: the model, its shape and the cycle count. */
interface FaceInfo {
  readonly model: IntModel;
  readonly weightsFile: string;
  readonly lanes: number;
  readonly storage: 'rom' | 'ram';
  /** Cycles from the first input beat to the next embedding's first beat, at the classifier's own ports. */
  readonly cyclesPerClassification: number;
}

export interface SynthReport {
  readonly design: string;
  readonly top: string;
  readonly device: string;
  readonly params: Record<string, unknown>;
  readonly tools: Record<string, string>;
  readonly yosys: { readonly cells: Record<string, number>; readonly seconds: number; readonly dspWorkaround: boolean };
  readonly fits: boolean;
  /** Resources that exceed the device, with what was needed. */
  readonly overflow: { resource: ResourceName; label: string; used?: number; available: number; source: 'yosys' | 'nextpnr' }[];
  readonly nextpnrMessage?: string;
  readonly logicCells?: number;
  readonly flipFlops: number;
  readonly dsps: number;
  readonly blockRams: number;
  readonly sprams: number;
  readonly ioPins: number;
  readonly seeds: { seed: number; fits: boolean; logicCells?: number; fmaxMHz?: number; seconds: number }[];
  readonly fmaxMHz?: number;
  readonly targetMHz: number;
  readonly cyclesPerClassification?: number;
  readonly classificationsPerSecond?: number;
  readonly gateLevel?: {
    readonly faces: number;
    readonly agreeing: number;
    readonly source: string;
    readonly threshold: string;
    readonly seconds: number;
    readonly mismatches: { face: number; expected: string; actual: string }[];
  };
  /** The error that stopped the gate-level check, when one did. */
  readonly gateLevelError?: string;
  readonly seconds: number;
}

function positiveInteger(text: string, option: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new UsageError(`${option} must be a whole number ${minimum} or more, got '${text}'`);
  }
  return value;
}

function progress(message: string): void {
  console.error(`hdlc synth: ${message}`);
}

/** Returns the name of the generator that a design file exports as `top` (or as its default), if it is one. */
async function generatorName(designFile: string, top: string | undefined): Promise<string | undefined> {
  const exports = (await import(pathToFileURL(path.resolve(designFile)).href)) as Record<string, unknown>;
  const chosen = top ? Object.values(exports).find((value) => isGenerator(value) && value.name === top) ?? exports[top] : exports.default;
  return isGenerator(chosen) ? chosen.name : undefined;
}

function toolVersion(tool: string, args: readonly string[]): string {
  const run = runTool(tool, args, process.cwd());
  return run.output.split('\n').find((line) => /\d+\.\d+/.test(line))?.trim() ?? 'unknown';
}

/** Cycles for one classification at the classifier's ports: input beats, the weight walk, the pipeline, the result handshake. */
export function classificationCycles(model: IntModel, lanes: number): number {
  const beats = model.dims / lanes;
  return beats + model.classes.length * beats + pipelineCycles(model.dims, lanes) + 1;
}

/** Reads int8 embeddings (rows of `dims` bytes) and picks `count` rows spread evenly over the file. */
function sampleFaces(file: string, dims: number, count: number): Int8Array[] {
  const bytes = fs.readFileSync(file);
  if (bytes.length % dims !== 0) {
    throw new UsageError(`${file} has ${bytes.length} bytes, not a whole number of ${dims}-byte embeddings`);
  }
  const rows = bytes.length / dims;
  const picked = Math.min(count, rows);
  return Array.from({ length: picked }, (_, i) => {
    const row = Math.floor((i * rows) / picked);
    return new Int8Array(bytes.buffer, bytes.byteOffset + row * dims, dims).slice();
  });
}

/** Compares the netlist's resource counts with the device, before place and route. */
function yosysOverflow(yosys: YosysResult, device: Device): SynthReport['overflow'] {
  const counts: [ResourceName, number][] = [
    ['dsps', yosys.dsps],
    ['blockRams', yosys.blockRams],
    ['sprams', yosys.sprams],
    ['ioPins', yosys.portBits],
  ];
  return counts
    .filter(([resource, used]) => used > device.capacity[resource])
    .map(([resource, used]) => ({ resource, label: resourceLabels[resource], used, available: device.capacity[resource], source: 'yosys' as const }));
}

function describeOverflow(entry: SynthReport['overflow'][number]): string {
  const needed = entry.used === undefined ? 'more needed than the' : `${entry.used} needed,`;
  return `${entry.label}: ${needed} ${entry.available} available`;
}

/** Loads the design, or for the face classifier its pin wrapper with the same parameters. */
async function loadForSynthesis(file: string, top: string | undefined, params: string[], wrap: boolean): Promise<{ design: LoadedDesign; face?: FaceInfo }> {
  const name = await generatorName(file, top);
  let design = await loadDesign(file, top, params);
  if (name !== 'face_svm' && name !== 'face_svm_pins') {
    return { design };
  }

  const weightsFile = String(design.params.weights);
  const lanes = Number(design.params.lanes);
  const storage = design.params.storage as 'rom' | 'ram';
  const model = loadIntModel(weightsFile);
  if (name === 'face_svm' && wrap) {
    const pairs = Object.entries(design.params).map(([key, value]) => `${key}=${value}`);
    design = await loadDesign(pinsDesign, undefined, pairs);
  }
  const face = { model, weightsFile, lanes, storage, cyclesPerClassification: classificationCycles(model, lanes) };
  return { design, face };
}

function isPinsWrapper(design: LoadedDesign): boolean {
  return design.top.instances.some((instance) => instance.name === 'core') && design.top.ports.some((port) => port.name === 'out_select');
}

function runGateLevel(face: FaceInfo, design: LoadedDesign, verilogTop: string, yosys: YosysResult, dir: string, count: number, facesFile: string | undefined): NonNullable<SynthReport['gateLevel']> {
  const core = design.top.instances.find((instance) => instance.name === 'core')!.module;
  const width = (port: string) => core.ports.find((p) => p.name === port)!.type.width;

  const testSet = facesFile ?? path.join(path.dirname(face.weightsFile), 'test-set.bin');
  const fromFile = facesFile !== undefined || fs.existsSync(testSet);
  const faces = fromFile ? sampleFaces(testSet, face.model.dims, count) : randomEmbeddings(count, face.model.dims, 1);
  const source = fromFile ? `${faces.length} faces spread evenly over ${testSet}` : `${faces.length} random int8 embeddings (seed 1)`;

  // Face 0 sits exactly at the written threshold, which must not flag it, and
  // a threshold other than the trained one shows that the write path works.
  const first = classifyInt(face.model, faces[0]);
  const threshold = face.model.rule === 'score' ? first.score : first.score - first.secondScore;

  const gateDir = path.join(dir, 'gate-level');
  fs.mkdirSync(gateDir, { recursive: true });
  const result: GateLevelResult = checkGateLevel({
    model: face.model,
    faces,
    lanes: face.lanes,
    storage: face.storage,
    top: verilogTop,
    widths: {
      thresholdBits: width('threshold_data'),
      classBits: width('result_class'),
      scoreBits: width('result_score'),
      resultBytes: resultBytes(core),
      selectBits: indexWidth(resultBytes(core)),
    },
    netlist: path.resolve(yosys.netlistVerilog),
    cellModels: iceCellModels(),
    dir: gateDir,
    threshold,
  });
  const mismatches = result.faces.filter((f) => !f.agrees).map((f) => ({
    face: f.face,
    expected: `class ${f.expected.classIndex} score ${f.expected.score} unknown ${f.expected.unknown}`,
    actual: f.score === null ? 'x or z on out_data' : `class ${f.classIndex} score ${f.score} unknown ${f.unknown}`,
  }));
  return { faces: faces.length, agreeing: result.agreeing, source, threshold: String(threshold), seconds: result.seconds, mismatches };
}

function printSummary(report: SynthReport): void {
  const lines = [`hdlc synth: ${report.top} on ${report.device}: ${report.fits ? 'fits' : 'DOES NOT FIT'}`];
  for (const entry of report.overflow) {
    lines.push(`  out of ${describeOverflow(entry)} (from ${entry.source})`);
  }
  if (report.nextpnrMessage && !report.fits) {
    lines.push(`  nextpnr-ice40: ${report.nextpnrMessage}`);
  }
  if (report.logicCells !== undefined) {
    lines.push(`  logic cells (ICESTORM_LC): ${report.logicCells}`);
  }
  lines.push(
    `  flip-flops: ${report.flipFlops}`,
    `  DSPs (SB_MAC16): ${report.dsps}`,
    `  block RAMs (SB_RAM40_4K): ${report.blockRams}`,
    `  SPRAMs (SB_SPRAM256KA): ${report.sprams}`,
    `  I/O pins: ${report.ioPins}`,
  );
  if (report.fmaxMHz !== undefined) {
    const perSeed = report.seeds.map((s) => `${s.fmaxMHz?.toFixed(2)}`).join(', ');
    lines.push(`  max clock frequency: ${report.fmaxMHz.toFixed(2)} MHz (median over seeds ${report.seeds.map((s) => s.seed).join(', ')}: ${perSeed} MHz)`);
  }
  if (report.classificationsPerSecond !== undefined) {
    lines.push(`  classifications per second: ${Math.floor(report.classificationsPerSecond)} (${report.cyclesPerClassification} cycles each at ${report.fmaxMHz?.toFixed(2)} MHz)`);
  }
  if (report.gateLevel) {
    const g = report.gateLevel;
    lines.push(`  gate-level check: ${g.agreeing} of ${g.faces} faces agree with the golden model in class, score and flag (${g.source}; threshold ${g.threshold})`);
    for (const m of g.mismatches.slice(0, 5)) {
      lines.push(`    face ${m.face}: expected ${m.expected}, netlist gave ${m.actual}`);
    }
  }
  console.log(lines.join('\n'));
}

export async function runSynth(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      device: { type: 'string' },
      weights: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      top: { type: 'string' },
      seeds: { type: 'string', default: '3' },
      freq: { type: 'string', default: '48' },
      'gate-level-faces': { type: 'string', default: '10' },
      faces: { type: 'string' },
      'no-wrapper': { type: 'boolean', default: false },
      'no-dsp-workaround': { type: 'boolean', default: false },
      out: { type: 'string', short: 'o', default: 'out/synth' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(synthHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`hdlc synth takes one design file, got ${positionals.length}; see 'hdlc synth --help'`);
  }
  const device = devices[values.device ?? ''];
  if (!device) {
    throw new UsageError(`--device must be one of ${Object.keys(devices).join(', ')}, got '${values.device ?? ''}'`);
  }
  const seedCount = positiveInteger(values.seeds, '--seeds', 1);
  const gateFaces = positiveInteger(values['gate-level-faces'], '--gate-level-faces', 0);
  const targetMHz = Number(values.freq);
  if (!(targetMHz > 0)) {
    throw new UsageError(`--freq must be a frequency in MHz above 0, got '${values.freq}'`);
  }
  if (values.faces && !fs.existsSync(values.faces)) {
    throw new UsageError(`--faces file '${values.faces}' not found`);
  }
  const started = performance.now();
  const dir = values.out;

  // 1. Build.
  const params = values.weights ? [...values.param, `weights=${values.weights}`] : values.param;
  const { design, face } = await loadForSynthesis(positionals[0], values.top, params, !values['no-wrapper']);
  const files = buildOutputs(design, undefined, face ? [face.weightsFile] : []);
  const rtlDir = path.join(dir, 'rtl');
  writeOutputs(rtlDir, files);
  const manifest = JSON.parse(files[files.length - 1].text) as { top: string };
  const verilogTop = manifest.top;
  const sources = files.filter((f) => f.name.endsWith('.v')).map((f) => f.name);
  progress(`built ${verilogTop} from ${design.designFile} into ${rtlDir}`);

  // 2. Synthesize, in the folder with the memory files that $readmemh reads.
  const dspWorkaround = !values['no-dsp-workaround'];
  progress(`running yosys synth_ice40 ${device.yosysOptions.join(' ')}${dspWorkaround ? '' : ' without the ice40_dsp workaround'} ...`);
  const yosys = synthesize({ sources, top: verilogTop, device, dir: rtlDir, dspWorkaround });
  progress(`yosys done in ${yosys.seconds.toFixed(1)} s: ${yosys.luts} LUT4, ${yosys.flipFlops} flip-flops, ${yosys.carries} SB_CARRY, ` +
    `${yosys.dsps} SB_MAC16, ${yosys.blockRams} SB_RAM40_4K, ${yosys.sprams} SB_SPRAM256KA`);

  // 3. Check what Yosys does not, then place and route per seed.
  const overflow = yosysOverflow(yosys, device);
  const seeds: SynthReport['seeds'] = [];
  let failure: Extract<PlaceResult, { fits: false }> | undefined;
  const placed: Extract<PlaceResult, { fits: true }>[] = [];
  if (overflow.length > 0) {
    progress(`skipping nextpnr-ice40: the netlist needs more than the ${device.name} has (${overflow.map(describeOverflow).join('; ')})`);
  } else {
    for (let seed = 1; seed <= seedCount; seed++) {
      progress(`running nextpnr-ice40 ${device.nextpnrArgs.join(' ')}, seed ${seed} of ${seedCount} ...`);
      const result = placeAndRoute({ dir: rtlDir, netlistJson: yosys.netlistJson, device, seed, targetMHz });
      if (!result.fits) {
        progress(`nextpnr-ice40 failed in ${result.seconds.toFixed(1)} s: ${result.message}`);
        seeds.push({ seed, fits: false, seconds: result.seconds });
        failure = result;
        break;
      }
      const cells = result.used.ICESTORM_LC;
      progress(`seed ${seed}: ${cells} logic cells, ${result.fmaxMHz.toFixed(2)} MHz, ${result.seconds.toFixed(1)} s`);
      seeds.push({ seed, fits: true, logicCells: cells, fmaxMHz: result.fmaxMHz, seconds: result.seconds });
      placed.push(result);
    }
  }
  if (failure?.resource) {
    const resource = failure.resource;
    const used = resource === 'ioPins' ? yosys.portBits : undefined;
    overflow.push({ resource, label: resourceLabels[resource], used, available: device.capacity[resource], source: 'nextpnr' });
  }
  const fits = overflow.length === 0 && failure === undefined;
  const fmaxMHz = placed.length > 0 ? median(placed.map((p) => p.fmaxMHz)) : undefined;

  // 4. The gate-level check, for the face classifier behind its pins.
  let gateLevel: SynthReport['gateLevel'];
  let gateLevelError: Error | undefined;
  if (face && fits && gateFaces > 0) {
    if (!isPinsWrapper(design)) {
      progress('skipping the gate-level check: its testbench drives the pins of designs/face-svm-pins.ts, and this build has no wrapper');
    } else {
      progress(`running the gate-level check in Icarus Verilog on ${gateFaces} faces ...`);
      try {
        gateLevel = runGateLevel(face, design, verilogTop, yosys, dir, gateFaces, values.faces);
        progress(`gate-level check done in ${gateLevel.seconds.toFixed(1)} s`);
      } catch (error) {
        // The report still records the other figures; the error is raised after it is written.
        if (error instanceof ToolMissingError || !(error instanceof Error)) {
          throw error;
        }
        gateLevelError = error;
        progress(`gate-level check failed: ${error.message}`);
      }
    }
  }

  const report: SynthReport = {
    design: path.relative(process.cwd(), path.resolve(design.designFile)).split(path.sep).join('/'),
    top: verilogTop,
    device: device.name,
    params: design.params,
    tools: {
      yosys: toolVersion('yosys', ['-V']),
      'nextpnr-ice40': toolVersion('nextpnr-ice40', ['--version']),
      ...(gateLevel ? { iverilog: toolVersion('iverilog', ['-V']) } : {}),
    },
    yosys: { cells: yosys.cells, seconds: yosys.seconds, dspWorkaround },
    fits,
    overflow,
    nextpnrMessage: failure?.message,
    logicCells: placed[0]?.used.ICESTORM_LC,
    flipFlops: yosys.flipFlops,
    dsps: yosys.dsps,
    blockRams: yosys.blockRams,
    sprams: yosys.sprams,
    ioPins: yosys.portBits,
    seeds,
    fmaxMHz,
    targetMHz,
    cyclesPerClassification: face?.cyclesPerClassification,
    classificationsPerSecond: face && fmaxMHz !== undefined ? (fmaxMHz * 1e6) / face.cyclesPerClassification : undefined,
    gateLevel,
    gateLevelError: gateLevelError?.message,
    seconds: (performance.now() - started) / 1000,
  };
  fs.writeFileSync(path.join(dir, 'synth-report.json'), JSON.stringify(report, null, 2) + '\n');
  printSummary(report);
  progress(`wrote ${path.join(dir, 'synth-report.json')} in ${report.seconds.toFixed(1)} s`);

  if (!fits) {
    const causes = overflow.map(describeOverflow);
    const cause = causes.length > 0 ? causes.join('; ') : `nextpnr-ice40: ${failure?.message}`;
    throw new SynthResultError(`${verilogTop} does not fit the ${device.name}: ${cause}`);
  }
  if (gateLevelError) {
    throw gateLevelError instanceof ToolFailedError ? gateLevelError : new SynthResultError(`the gate-level check failed: ${gateLevelError.message}`);
  }
  if (gateLevel && gateLevel.agreeing !== gateLevel.faces) {
    throw new SynthResultError(`the gate-level netlist disagrees with the golden model on ${gateLevel.faces - gateLevel.agreeing} of ${gateLevel.faces} faces (see ${path.join(dir, 'gate-level')})`);
  }
}
