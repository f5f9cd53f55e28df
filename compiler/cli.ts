// The `hdlc` command line. Each command has a help page listing every
// option. Errors are one line, to standard error, with exit code 1, or 2 for
// a mistake in how hdlc was called.

import { parseArgs } from 'node:util';
import path from 'node:path';
import { HdlError, HdlErrors } from './errors.ts';
import { buildOutputs, loadDesign, UsageError, writeOutputs } from './build.ts';
import { runSim, simHelp } from './sim-command.ts';
import { fuzzHelp, runFuzzCommand } from '../sim/fuzz/command.ts';
import { runSynth, synthHelp } from './synth/command.ts';
import { isInternal } from '../dsl/source-location.ts';

interface Command {
  readonly summary: string;
  readonly help: string;
  run(args: string[]): Promise<void>;
}

const buildHelp = `Usage: hdlc build <design.ts> [--top NAME] [--param key=value ...] [--weights FILE] [-o DIR]

Elaborates a design, checks it, and writes synthesizable Verilog-2005:
DIR/<module>.v for each module, DIR/<module>_<memory>.hex for each memory
(read with $readmemh by file name, so run simulators from DIR), and
DIR/<top>.manifest.json with the ports, parameters, name map and input hash.
On any error nothing is written.

Options:
  --top NAME           the export (or generator or module name) to build;
                       default: the file's default export
  --param key=value    a generator parameter; repeat for several. The value
                       is converted to the type of the parameter's default
  --weights FILE       a trained weights file for a generator that takes a
                       'weights' parameter; its bytes enter the input hash
  -o, --out DIR        output folder (default: out)
  -h, --help           show this help`;

async function runBuild(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      top: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', short: 'o', default: 'out' },
      weights: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(buildHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`hdlc build takes one design file, got ${positionals.length}; see 'hdlc build --help'`);
  }
  const params = values.weights ? [...values.param, `weights=${values.weights}`] : values.param;
  const design = await loadDesign(positionals[0], values.top, params);
  const files = buildOutputs(design, values.top, values.weights ? [values.weights] : []);
  writeOutputs(values.out, files);
  const verilogCount = files.filter((f) => f.name.endsWith('.v')).length;
  console.log(`hdlc: wrote ${verilogCount} Verilog module(s) and ${files.length - verilogCount - 1} memory file(s) for '${design.top.name}' to ${values.out}`);
}

export const commands: Record<string, Command> = {
  build: { summary: 'elaborate a design and write its Verilog', help: buildHelp, run: runBuild },
  sim: { summary: 'simulate a design, optionally against Icarus Verilog', help: simHelp, run: runSim },
  fuzz: { summary: 'fuzz the simulator against Icarus Verilog with random designs', help: fuzzHelp, run: runFuzzCommand },
  synth: { summary: 'synthesize, place and route for an iCE40 and report resources and speed', help: synthHelp, run: runSynth },
};

function mainHelp(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`);
  return `Usage: hdlc <command> [options]

hdlc compiles hardware designs written in TypeScript to Verilog.

Commands:
${lines.join('\n')}

Run 'hdlc <command> --help' for a command's options.`;
}

// Errors whose message already gives a user all they need, so no source frame is added.
const cleanErrors = new Set(['CommandFailedError', 'ToolMissingError', 'ToolFailedError', 'StimulusError', 'VcdParseError', 'SimError', 'WeightsFileError']);

/** Returns where a non-hdlc exception came from in the user's code, as file:line, or '' when hdlc itself raised it. */
function userFrame(error: Error): string {
  for (const line of (error.stack ?? '').split('\n')) {
    const match = /([^\s(]+\.(?:ts|js)):(\d+)/.exec(line);
    if (match === null) continue;
    const file = match[1].replace(/^file:\/\//, '');
    if (!isInternal(file)) return ` (at ${path.relative(process.cwd(), file) || file}:${match[2]})`;
  }
  return '';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`hdlc: unknown command '${name}'; commands: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (error) {
    if (error instanceof HdlError || error instanceof HdlErrors) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof Error && cleanErrors.has(error.name)) {
      console.error(`hdlc: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hdlc: ${(error as Error).message}`);
      return 2;
    }
    if (error instanceof Error) {
      console.error(`hdlc: ${error.message}${userFrame(error)}`);
      if (process.env.HDLC_DEBUG) {
        console.error(error.stack);
      }
      return 1;
    }
    console.error(`hdlc: ${String(error)}`);
    return 1;
  }
}
