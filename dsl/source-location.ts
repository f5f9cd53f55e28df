// Finds the TypeScript statement in user code that called into the DSL, so
// that errors and emitted comments point at the user's line.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLoc } from '../compiler/ir.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Frames in these folders belong to hdlc itself. The component library
// (dsl/lib) is not among them: its statements are user-level hardware.
const internalDirs = [
  path.join(projectRoot, 'dsl') + path.sep,
  path.join(projectRoot, 'compiler') + path.sep,
  path.join(projectRoot, 'sim') + path.sep,
  path.join(projectRoot, 'runtime') + path.sep,
  path.join(projectRoot, 'bin') + path.sep,
];
const libraryDir = path.join(projectRoot, 'dsl', 'lib') + path.sep;

const framePattern = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/** True for a file of hdlc itself (or of Node.js or a package), false for user code and the component library. */
export function isInternal(file: string): boolean {
  if (file.startsWith('node:') || file.includes(`${path.sep}node_modules${path.sep}`)) {
    return true;
  }
  if (file.startsWith(libraryDir)) {
    return false;
  }
  return internalDirs.some((dir) => file.startsWith(dir));
}

/**
 * Returns the location of the first stack frame outside hdlc's own code,
 * with the file relative to the working directory (so that output does not
 * depend on where the checkout lives).
 */
export function callerLoc(): SourceLoc | undefined {
  const savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = savedLimit;

  for (const line of stack.split('\n').slice(1)) {
    const match = framePattern.exec(line.trim());
    if (!match) {
      continue;
    }
    let file = match[1];
    if (file.startsWith('file://')) {
      file = fileURLToPath(file);
    }
    if (!path.isAbsolute(file) || isInternal(file)) {
      continue;
    }
    const relative = path.relative(process.cwd(), file).split(path.sep).join('/');
    return { file: relative, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}
