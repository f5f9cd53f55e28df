// The caller's line number, so that tests can name the line a statement is on.

export function currentLine(): number {
  const frame = (new Error().stack ?? '').split('\n')[2] ?? '';
  const match = /:(\d+):\d+\)?$/.exec(frame.trim());
  if (!match) {
    throw new Error(`cannot read a line number from stack frame '${frame}'`);
  }
  return Number(match[1]);
}
