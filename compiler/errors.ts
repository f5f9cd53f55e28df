// Design errors: one line each, with a stable short code, the TypeScript
// location of the offending statement, and what to do about it.

import type { SourceLoc } from './ir.ts';

/**
 * Stable codes that users and tests can search for:
 * - LITERAL: a constant does not fit the type it was given.
 * - SIGN: signed and unsigned operands mixed without a conversion.
 * - WIDTH: a value does not fit where it goes, or widths disagree.
 * - UNDRIVEN: an output or wire has no driver on some path.
 * - MULTIDRIVEN: a signal is driven more than once in one scope.
 * - COMBLOOP: combinational logic feeds back on itself.
 * - UNCONNECTED: an instance input port is left unconnected.
 * - DUPNAME: two things in one module share a name.
 * - USAGE: any other misuse of the DSL (wrong argument, wrong place).
 */
export type ErrorCode =
  | 'LITERAL' | 'SIGN' | 'WIDTH' | 'UNDRIVEN' | 'MULTIDRIVEN'
  | 'COMBLOOP' | 'UNCONNECTED' | 'DUPNAME' | 'USAGE';

export function formatLoc(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}` : '<unknown location>';
}

export class HdlError extends Error {
  readonly code: ErrorCode;
  readonly loc: SourceLoc | undefined;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, loc?: SourceLoc) {
    super(`${formatLoc(loc)}: error[${code}]: ${detail}`);
    this.name = 'HdlError';
    this.code = code;
    this.loc = loc;
    this.detail = detail;
  }
}

/** Several design errors found by one check pass; the message lists each on its own line. */
export class HdlErrors extends Error {
  readonly errors: readonly HdlError[];

  constructor(errors: readonly HdlError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'HdlErrors';
    this.errors = errors;
  }
}
