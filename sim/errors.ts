// Errors raised by the simulator: a design it cannot simulate, or a misuse of
// its API. Messages name the signal, the value and, where known, the
// TypeScript file:line that built the offending part of the design.

import { formatLoc } from '../compiler/errors.ts';
import type { SourceLoc } from '../compiler/ir.ts';

export class SimError extends Error {
  readonly loc: SourceLoc | undefined;

  constructor(message: string, loc?: SourceLoc) {
    super(loc ? `${formatLoc(loc)}: ${message}` : message);
    this.name = 'SimError';
    this.loc = loc;
  }
}

/**
 * Lists the candidates that are close to `name`: the ones within a small
 * edit distance, or that contain it or its last dotted part.
 */
export function closeNames(name: string, candidates: Iterable<string>, limit = 5): string[] {
  const lastPart = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  const maxDistance = Math.max(2, Math.floor(name.length / 3));
  const scored: { candidate: string; score: number }[] = [];

  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= maxDistance) {
      scored.push({ candidate, score: distance });
    } else if (lastPart.length > 0 && candidate.toLowerCase().includes(lastPart)) {
      scored.push({ candidate, score: maxDistance + 1 });
    }
  }

  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((entry) => entry.candidate);
}

/** Formats the tail of a "not found" message: the close names, or a hint where there are none. */
export function describeCloseNames(name: string, candidates: Iterable<string>): string {
  const close = closeNames(name, candidates);
  return close.length > 0 ? `close names: ${close.join(', ')}` : 'no similar name exists';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
