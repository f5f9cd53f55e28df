// Known differences: mismatches where Icarus Verilog, not hdlc, is wrong.
//
// Each known difference is a case file in test/regressions/known-icarus/
// with an explanation and the name of a workaround: a rewrite of the emitted
// Verilog into an equivalent form that Icarus simulates correctly. A new
// mismatch is explained by a known difference when the design agrees after
// that rewrite. A rewrite that changes the meaning of the Verilog would
// explain real bugs away, so each one must be a standard-equivalent form, and
// its known-difference file shows it on a minimal case.
//
// NOTE: the fuzzer has found no Icarus bug so far (Icarus Verilog 11.0 and
// the emitter as of this file), so the table of workarounds is empty. The
// tests exercise the mechanism with an injected fault.

import path from 'node:path';
import type { CheckOptions, FuzzCase } from './check.ts';
import { checkCase } from './check.ts';
import { listCaseFiles, readCaseFile, type CaseFile } from './case-file.ts';

export type VerilogRewrite = (text: string, module: string) => string;

export interface Workaround {
  /** The change the rewrite makes, and the reason the result is equivalent under the Verilog standard. */
  readonly description: string;
  readonly rewrite: VerilogRewrite;
}

/** Workarounds for Icarus bugs, by the name a known-difference file gives. */
export const WORKAROUNDS: Readonly<Record<string, Workaround>> = {};

export interface KnownDifference {
  readonly file: string;
  readonly name: string;
  readonly explanation: string;
  readonly workaround: Workaround;
}

export const KNOWN_ICARUS_DIR = path.join('test', 'regressions', 'known-icarus');

/** Reads the known differences in `dir`; a file whose workaround is missing from `workarounds` is an error. */
export function loadKnownDifferences(dir = KNOWN_ICARUS_DIR, workarounds: Readonly<Record<string, Workaround>> = WORKAROUNDS): KnownDifference[] {
  return listCaseFiles(dir).map((file) => knownDifference(file, readCaseFile(file), workarounds));
}

function knownDifference(file: string, data: CaseFile, workarounds: Readonly<Record<string, Workaround>>): KnownDifference {
  if (!data.explanation || !data.workaround) {
    throw new Error(`known difference '${file}' needs an 'explanation' and a 'workaround'`);
  }
  const workaround = workarounds[data.workaround];
  if (!workaround) {
    const names = Object.keys(workarounds).join(', ') || 'none';
    throw new Error(`known difference '${file}' names workaround '${data.workaround}', which sim/fuzz/known.ts does not define (defined: ${names})`);
  }
  return { file, name: data.name, explanation: data.explanation, workaround };
}

/**
 * Returns the known difference that explains a mismatch of `fuzzCase`: the
 * first one whose workaround makes the two simulators agree. A rewrite in
 * `options` (an injected fault, in tests) is applied after the workaround,
 * as Icarus would read the text.
 */
export function explainMismatch(fuzzCase: FuzzCase, options: CheckOptions, known: readonly KnownDifference[]): KnownDifference | undefined {
  for (const difference of known) {
    const fault = options.rewriteVerilog;
    const rewrite: VerilogRewrite = (text, module) => {
      const worked = difference.workaround.rewrite(text, module);
      return fault ? fault(worked, module) : worked;
    };
    if (checkCase(fuzzCase, { ...options, rewriteVerilog: rewrite }).kind === 'agree') {
      return difference;
    }
  }
  return undefined;
}
