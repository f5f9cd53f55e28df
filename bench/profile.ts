// Runs one benchmark workload in the compiled simulator, for `npm run bench`
// to profile in a child process with `node --cpu-prof`. The timed part of
// each workload runs inside one of PROFILED_FUNCTIONS, so the report can
// leave out start-up, building the design and checking the results.
// Usage: tsx bench/profile.ts face|fuzz

import { FaceBench } from './face-bench.ts';
import { benchModel } from './face-model.ts';
import { FuzzBench } from './fuzz-bench.ts';

/** The functions that contain the timed loops of face-bench.ts and fuzz-bench.ts. */
export const PROFILED_FUNCTIONS: ReadonlySet<string> = new Set(['driveFaces', 'driveStimulus']);

function runWorkload(workload: string): void {
  if (workload === 'face') {
    const bench = new FaceBench(benchModel().model);
    bench.runTypeScript('compiled', 1000);
    bench.cleanUp();
  } else if (workload === 'fuzz') {
    const bench = new FuzzBench();
    bench.runTypeScript('compiled', 200_000);
    bench.cleanUp();
  } else {
    throw new Error(`unknown workload '${workload}': expected 'face' or 'fuzz'`);
  }
}

if (process.argv[1]?.endsWith('profile.ts')) {
  runWorkload(process.argv[2] ?? '');
}
