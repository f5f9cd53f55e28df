// A ROM lookup: a quarter-free, full-period sine table of signed 8-bit
// samples, read synchronously (the sample for `phase` appears one clock
// edge later), as block RAM would.

import { Module, SInt, UInt, generator } from '../../dsl/index.ts';

export function sineTable(depth: number, amplitude: number): number[] {
  const table: number[] = [];
  for (let i = 0; i < depth; i++) {
    table.push(Math.round(amplitude * Math.sin((2 * Math.PI * i) / depth)));
  }
  return table;
}

export default generator('sine_rom', { depth: 256, width: 8 }, ({ depth, width }) => {
  const m = new Module('sine_rom', { depth, width });
  m.clock();
  const amplitude = 2 ** (width - 1) - 1;
  const rom = m.rom('table', SInt(width), sineTable(depth, amplitude));
  const phase = m.input('phase', UInt(rom.addrWidth));
  const sample = m.output('sample', SInt(width));
  sample.set(rom.read(phase));
  return m;
});
