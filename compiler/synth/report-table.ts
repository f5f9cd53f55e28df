// Prints a Markdown table row per `hdlc synth` run, read from the
// synth-report.json files in the given output folders:
// npx tsx compiler/synth/report-table.ts DIR...

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SynthReport } from './command.ts';

const header = [
  '| design | device | lanes | fits | logic cells | flip-flops | DSP | BRAM | SPRAM | I/O | fmax MHz (median; per seed) | classifications/s | gate-level |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

/** Formats one report as a table row; '—' where a figure does not exist because the run stopped earlier. */
export function tableRow(report: SynthReport): string {
  const none = '—';
  const fits = report.fits ? 'yes' : `no: ${report.overflow.map((o) => o.label).join(', ') || report.nextpnrMessage}`;
  const fmax = report.fmaxMHz === undefined
    ? none
    : `${report.fmaxMHz.toFixed(2)}; ${report.seeds.map((s) => s.fmaxMHz?.toFixed(2)).join(', ')}`;
  const rate = report.classificationsPerSecond === undefined ? none : String(Math.floor(report.classificationsPerSecond));
  const gate = report.gateLevel ? `${report.gateLevel.agreeing}/${report.gateLevel.faces}` : none;
  const cells = [
    report.top,
    report.device,
    String(report.params.lanes ?? none),
    fits,
    String(report.logicCells ?? none),
    String(report.flipFlops),
    String(report.dsps),
    String(report.blockRams),
    String(report.sprams),
    String(report.ioPins),
    fmax,
    rate,
    gate,
  ];
  return `| ${cells.join(' | ')} |`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) {
    console.error('usage: npx tsx compiler/synth/report-table.ts DIR...');
    process.exit(2);
  }
  const rows = dirs.map((dir) => tableRow(JSON.parse(fs.readFileSync(path.join(dir, 'synth-report.json'), 'utf8')) as SynthReport));
  console.log([...header, ...rows].join('\n'));
}
