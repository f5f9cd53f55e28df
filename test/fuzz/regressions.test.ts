// Replays every minimal case the fuzzer has written. A case in
// test/regressions/ must now agree in both simulators. A known Icarus
// difference in test/regressions/known-icarus/ must still differ as it is,
// and agree once its workaround rewrites the Verilog.

import { expect } from 'chai';
import path from 'node:path';
import { describeFailure, fuzzCaseOf, listCaseFiles, readCaseFile } from '../../sim/fuzz/case-file.ts';
import { checkCase } from '../../sim/fuzz/check.ts';
import { KNOWN_ICARUS_DIR, loadKnownDifferences, WORKAROUNDS } from '../../sim/fuzz/known.ts';
import { describeOutcome } from '../../sim/fuzz/run.ts';
import { requireTool } from '../tools.ts';

const REGRESSIONS_DIR = path.join('test', 'regressions');

describe('fuzz regressions', function () {
  this.timeout(120_000);

  for (const file of listCaseFiles(REGRESSIONS_DIR)) {
    it(`${path.basename(file)} agrees`, function () {
      requireTool(this, 'iverilog');
      const data = readCaseFile(file);
      const outcome = checkCase(fuzzCaseOf(data), { wrapped: data.wrapped });
      const found = `found as: ${describeFailure(data.failure)}`;
      expect(outcome.kind, `${describeOutcome(outcome)}\n${found}${data.diagnosis ? `\ndiagnosis: ${data.diagnosis}` : ''}`).to.equal('agree');
    });
  }
});

describe('fuzz known Icarus differences', function () {
  this.timeout(120_000);

  it('name defined workarounds', () => {
    // loadKnownDifferences rejects a file without an explanation or with an undefined workaround.
    const known = loadKnownDifferences();
    expect(known.length).to.equal(listCaseFiles(KNOWN_ICARUS_DIR).length);
  });

  for (const file of listCaseFiles(KNOWN_ICARUS_DIR)) {
    it(`${path.basename(file)} differs without its workaround`, function () {
      requireTool(this, 'iverilog');
      const data = readCaseFile(file);
      const outcome = checkCase(fuzzCaseOf(data), { wrapped: data.wrapped });
      expect(outcome.kind, `Icarus may be fixed; check and remove this known difference. ${data.explanation}`).to.equal('mismatch');
    });

    it(`${path.basename(file)} agrees with its workaround`, function () {
      requireTool(this, 'iverilog');
      const data = readCaseFile(file);
      const workaround = WORKAROUNDS[data.workaround ?? ''];
      const outcome = checkCase(fuzzCaseOf(data), { wrapped: data.wrapped, rewriteVerilog: workaround.rewrite });
      expect(outcome.kind, describeOutcome(outcome)).to.equal('agree');
    });
  }
});
