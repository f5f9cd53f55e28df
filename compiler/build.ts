// `hdlc build`: load a design file, run its generator, elaborate, emit
// Verilog, memory files and a manifest, and write them all or nothing.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isGenerator, type Generator } from '../dsl/generator.ts';
import { Module } from '../dsl/index.ts';
import type { ModuleIR, ParamValue, Type } from './ir.ts';
import { emitDesign, type EmittedModule } from './verilog/emit.ts';

export const HDLC_VERSION = '0.1.0';

/** A mistake in how hdlc was called (a bad option, a missing file), reported as one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that ran but found a failure it has already described (a mismatch, a failed check); exit code 1. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}

export interface LoadedDesign {
  readonly top: ModuleIR;
  readonly params: Record<string, ParamValue>;
  readonly designFile: string;
}

function convertParam(key: string, raw: string, defaultValue: ParamValue): ParamValue {
  if (typeof defaultValue === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new UsageError(`parameter '${key}' must be a number, got '${raw}'`);
    }
    return value;
  }
  if (typeof defaultValue === 'boolean') {
    if (raw !== 'true' && raw !== 'false') {
      throw new UsageError(`parameter '${key}' must be true or false, got '${raw}'`);
    }
    return raw === 'true';
  }
  return raw;
}

/** Parses `key=value` strings against a generator's defaults. */
export function parseParams(pairs: readonly string[], gen: Generator | undefined): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`--param '${pair}' must have the form key=value`);
    }
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (!gen) {
      throw new UsageError(`--param ${key}: the design's export is not a generator(), so it takes no parameters`);
    }
    if (!(key in gen.defaults)) {
      const known = Object.keys(gen.defaults);
      throw new UsageError(`unknown parameter '${key}' for ${gen.name}; known parameters: ${known.length > 0 ? known.join(', ') : 'none'}`);
    }
    params[key] = convertParam(key, raw, gen.defaults[key]);
  }
  return params;
}

/** Imports a design file and builds the module chosen by `top` (an export name or a generator/module name). */
export async function loadDesign(designFile: string, top: string | undefined, paramPairs: readonly string[]): Promise<LoadedDesign> {
  const absolute = path.resolve(designFile);
  if (!fs.existsSync(absolute)) {
    throw new UsageError(`design file '${designFile}' not found`);
  }
  const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;

  const candidates = Object.entries(exports).filter(([, value]) => isGenerator(value) || value instanceof Module || typeof value === 'function');
  let chosen: unknown;
  if (top) {
    const match = candidates.find(([name, value]) =>
      name === top || (isGenerator(value) && value.name === top) || (value instanceof Module && value.name === top));
    if (!match) {
      const names = candidates.map(([name, value]) => (isGenerator(value) ? value.name : name));
      throw new UsageError(`no top '${top}' in ${designFile}; it exports: ${names.join(', ') || 'nothing buildable'}`);
    }
    chosen = match[1];
  } else if ('default' in exports) {
    chosen = exports.default;
  } else {
    throw new UsageError(`${designFile} has no default export; name the module to build with --top`);
  }

  const gen = isGenerator(chosen) ? chosen : undefined;
  const params = parseParams(paramPairs, gen);
  let built: unknown;
  if (gen) {
    built = gen.build(params);
  } else if (chosen instanceof Module) {
    built = chosen;
  } else if (typeof chosen === 'function') {
    built = (chosen as (p: Record<string, ParamValue>) => unknown)(params);
  }
  if (!(built instanceof Module)) {
    throw new UsageError(`the chosen export of ${designFile} must be a generator(), a Module, or a function returning a Module`);
  }
  return { top: built.elaborate(), params: { ...(gen?.defaults ?? {}), ...params }, designFile };
}

interface PortEntry {
  readonly name: string;
  readonly verilogName: string;
  readonly direction: 'input' | 'output';
  readonly width: number;
  readonly signed: boolean;
}

function describeType(type: Type): { width: number; signed: boolean } {
  return { width: type.width, signed: type.signed };
}

/** Builds the manifest: what a user or tool needs to drive the emitted Verilog without reading it. */
export function makeManifest(design: LoadedDesign, emitted: readonly EmittedModule[], inputHash: string): object {
  const topEmitted = emitted.find((e) => e.module === design.top) as EmittedModule;
  return {
    format: 'hdlc-manifest',
    version: 1,
    hdlc: HDLC_VERSION,
    design: path.relative(process.cwd(), path.resolve(design.designFile)).split(path.sep).join('/'),
    top: topEmitted.verilogName,
    params: design.params,
    inputHash,
    modules: emitted.map((e) => ({
      name: e.verilogName,
      sourceName: e.module.name,
      file: `${e.verilogName}.v`,
      params: e.module.params,
      ports: e.module.ports.map((port): PortEntry => ({
        name: port.name,
        verilogName: e.nameMap.get(port.name) as string,
        direction: port.kind === 'input' ? 'input' : 'output',
        ...describeType(port.type),
      })),
      memoryFiles: e.memoryFiles.map((f) => f.fileName),
      names: Object.fromEntries(e.nameMap),
    })),
  };
}

/** sha256 over what decides the output: hdlc's version, the design file's bytes, the top and the parameters. */
export function hashInputs(design: LoadedDesign, top: string | undefined, extraFiles: readonly string[] = []): string {
  const hash = createHash('sha256');
  hash.update(`hdlc ${HDLC_VERSION}\n`);
  for (const file of [design.designFile, ...extraFiles]) {
    hash.update(fs.readFileSync(file));
    hash.update('\n');
  }
  hash.update(JSON.stringify({ top: top ?? null, params: design.params }));
  return `sha256:${hash.digest('hex')}`;
}

export interface OutputFile {
  readonly name: string;
  readonly text: string;
}

/** Returns every file of a build, in a fixed order. */
export function buildOutputs(design: LoadedDesign, top: string | undefined, extraFiles: readonly string[] = []): OutputFile[] {
  const emitted = emitDesign(design.top);
  const files: OutputFile[] = [];
  for (const e of emitted) {
    files.push({ name: `${e.verilogName}.v`, text: e.text });
    for (const memoryFile of e.memoryFiles) {
      files.push({ name: memoryFile.fileName, text: memoryFile.text });
    }
  }
  const manifest = makeManifest(design, emitted, hashInputs(design, top, extraFiles));
  const topName = (manifest as { top: string }).top;
  files.push({ name: `${topName}.manifest.json`, text: JSON.stringify(manifest, null, 2) + '\n' });
  return files;
}

/**
 * Writes `files` into `dir`: first all into a fresh folder inside it, then
 * each renamed into place, so that a failure while writing leaves no
 * half-written file behind.
 */
export function writeOutputs(dir: string, files: readonly OutputFile[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(dir, '.hdlc-build-'));
  try {
    for (const file of files) {
      fs.writeFileSync(path.join(staging, file.name), file.text);
    }
    for (const file of files) {
      fs.renameSync(path.join(staging, file.name), path.join(dir, file.name));
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
