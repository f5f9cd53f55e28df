// Place and route with nextpnr-ice40, one run per placement seed, and what
// its log reports: the cells used per resource and the maximum frequency of
// each clock after routing.

import path from 'node:path';
import fs from 'node:fs';
import { nextpnrCellTypes, type Device, type ResourceName } from './devices.ts';
import { lastLines, runTool } from './tools.ts';

export type PlaceResult =
  | {
    readonly fits: true;
    readonly seed: number;
    /** Used cells per nextpnr cell type, e.g. ICESTORM_LC. */
    readonly used: Record<string, number>;
    /** The lowest post-route maximum frequency over the design's clocks, in MHz. */
    readonly fmaxMHz: number;
    readonly log: string;
    readonly seconds: number;
  }
  | {
    readonly fits: false;
    readonly seed: number;
    /** The resource that ran out, when the message names one. */
    readonly resource?: ResourceName;
    readonly message: string;
    readonly log: string;
    readonly seconds: number;
  };

/** Reads nextpnr's "Device utilisation" lines, e.g. `ICESTORM_LC:   915/ 5280    17%`; the last report wins. */
export function parseUtilisation(log: string): Record<string, number> {
  const used: Record<string, number> = {};
  for (const match of log.matchAll(/^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+\d+%/gm)) {
    used[match[1]] = Number(match[2]);
  }
  return used;
}

/**
 * Reads the maximum frequency per clock. nextpnr prints a "Max frequency for
 * clock" line after placement and again after routing, so the last line per
 * clock is the routed figure.
 */
export function parseFmax(log: string): Map<string, number> {
  const fmax = new Map<string, number>();
  for (const match of log.matchAll(/Max frequency for clock '([^']+)': ([\d.]+) MHz/g)) {
    fmax.set(match[1], Number(match[2]));
  }
  return fmax;
}

/** Finds the resource in a nextpnr error such as "no BELs remaining to implement cell type 'ICESTORM_DSP'". */
export function parseFailure(log: string): { resource?: ResourceName; message: string } {
  const errors = log.split('\n').filter((line) => line.startsWith('ERROR:'));
  const message = errors.length > 0 ? errors[errors.length - 1].replace(/^ERROR:\s*/, '') : lastLines(log, 2);
  const cellType = /cell type '(\w+)'/.exec(message)?.[1];
  return { resource: cellType ? nextpnrCellTypes[cellType] : undefined, message };
}

export interface PlaceOptions {
  readonly dir: string;
  readonly netlistJson: string;
  readonly device: Device;
  readonly seed: number;
  /** The clock frequency that timing-driven placement aims at, in MHz. */
  readonly targetMHz: number;
}

/** Places and routes the netlist once; a design that does not fit is a result, not an exception. */
export function placeAndRoute(options: PlaceOptions): PlaceResult {
  const logName = `nextpnr-seed${options.seed}.log`;
  const log = path.join(options.dir, logName);
  const run = runTool('nextpnr-ice40', [
    ...options.device.nextpnrArgs,
    '--json', path.basename(options.netlistJson),
    '--seed', String(options.seed),
    '--freq', String(options.targetMHz),
    '--timing-allow-fail',
    '--log', logName,
    '-q',
  ], options.dir);
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : run.output;
  if (run.status !== 0) {
    return { fits: false, seed: options.seed, ...parseFailure(text), log, seconds: run.seconds };
  }
  const fmax = [...parseFmax(text).values()];
  if (fmax.length === 0) {
    throw new Error(`nextpnr-ice40 reported no maximum frequency (log: ${log}); does the design have a clock?`);
  }
  return { fits: true, seed: options.seed, used: parseUtilisation(text), fmaxMHz: Math.min(...fmax), log, seconds: run.seconds };
}

/** Returns the median of a non-empty list: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
