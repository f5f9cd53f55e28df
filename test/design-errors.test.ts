import { expect } from 'chai';
import { Bool, HdlError, HdlErrors, Module, SInt, UInt, lit } from '../dsl/index.ts';
import { currentLine } from './line.ts';

const thisFile = 'test/design-errors.test.ts';

/** Runs `build` and returns the single design error it throws. */
function designError(build: () => void): HdlError {
  try {
    build();
  } catch (error) {
    if (error instanceof HdlErrors) {
      return error.errors[0];
    }
    if (error instanceof HdlError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a design error, but the design elaborated');
}

function expectAt(error: HdlError, code: string, line: number): void {
  expect(error.code).to.equal(code);
  expect(error.loc?.file).to.equal(thisFile);
  expect(error.loc?.line).to.equal(line);
  expect(error.message).to.not.include('\n');
  expect(error.message.startsWith(`${thisFile}:${line}: error[${code}]: `)).to.equal(true, error.message);
}

describe('design errors', () => {
  it('LITERAL: constant out of range', () => {
    let line = 0;
    const error = designError(() => {
      line = currentLine() + 1;
      lit(128, SInt(8));
    });
    expectAt(error, 'LITERAL', line);
    expect(error.detail).to.equal('literal 128 does not fit SInt(8), whose range is -128..127; it needs SInt(9)');
  });

  it('LITERAL: -128 fits SInt(8)', () => {
    expect(lit(-128, SInt(8)).expr).to.include({ kind: 'const', bits: 0x80n });
  });

  it('SIGN: signed plus unsigned', () => {
    let line = 0;
    const error = designError(() => {
      const m = new Module('mixed');
      const a = m.input('a', SInt(8));
      const b = m.input('b', UInt(8));
      line = currentLine() + 1;
      a.add(b);
    });
    expectAt(error, 'SIGN', line);
    expect(error.detail).to.equal('cannot add SInt(8) and UInt(8): convert one operand with .asSigned() or .asUnsigned() first');
  });

  it('WIDTH: wider value into narrower signal', () => {
    let line = 0;
    const error = designError(() => {
      const m = new Module('narrowing');
      const a = m.input('a', UInt(8));
      const y = m.output('y', UInt(8));
      line = currentLine() + 1;
      y.set(a.add(1));
    });
    expectAt(error, 'WIDTH', line);
    expect(error.detail).to.equal("cannot assign UInt(9) to UInt(8) 'y' without truncation; use .trunc(8) or .resize(8)");
  });

  it('UNDRIVEN: output never assigned', () => {
    let line = 0;
    const error = designError(() => {
      const m = new Module('floating');
      line = currentLine() + 1;
      m.output('y', UInt(4));
      m.elaborate();
    });
    expectAt(error, 'UNDRIVEN', line);
    expect(error.detail).to.equal("output 'y' is never driven; assign it with .set()");
  });

  it('UNDRIVEN: wire assigned on one path only', () => {
    let line = 0;
    const error = designError(() => {
      const m = new Module('latchy');
      const sel = m.input('sel', Bool);
      const w = m.wire('w', UInt(4));
      m.output('y', UInt(4)).set(w);
      line = currentLine() + 1;
      m.when(sel, () => w.set(3));
      m.elaborate();
    });
    expectAt(error, 'UNDRIVEN', line);
    expect(error.detail).to.equal("wire 'w' is not driven on every path of this when(); assign it a default before the when() or add an otherwise()");
  });

  it('MULTIDRIVEN: assigned twice in one scope', () => {
    let line = 0;
    const error = designError(() => {
      const m = new Module('twice');
      const y = m.output('y', UInt(4));
      y.set(1);
      line = currentLine() + 1;
      y.set(2);
    });
    expectAt(error, 'MULTIDRIVEN', line);
    expect(error.detail).to.equal(`'y' is assigned twice in the same scope (first assigned at ${thisFile}:${line - 2}); use when() to choose between values`);
  });

  it('MULTIDRIVEN: instance input connected twice', () => {
    let line = 0;
    const error = designError(() => {
      const child = new Module('child');
      child.output('q', UInt(4)).set(child.input('d', UInt(4)));
      const m = new Module('drive_twice');
      const a = m.input('a', UInt(4));
      const u = m.instance('inner', child);
      u.connect({ d: a });
      line = currentLine() + 1;
      u.input('d').set(3);
    });
    expectAt(error, 'MULTIDRIVEN', line);
    expect(error.detail).to.match(/^'inner_d' is assigned twice in the same scope/);
  });

  it('COMBLOOP: two wires feed each other', () => {
    let lineA = 0;
    let lineB = 0;
    const error = designError(() => {
      const m = new Module('ring');
      const a = m.wire('a', UInt(4));
      const b = m.wire('b', UInt(4));
      lineA = currentLine() + 1;
      a.set(b.not());
      lineB = currentLine() + 1;
      b.set(a.xor(1));
      m.output('y', UInt(4)).set(a);
      m.elaborate();
    });
    expectAt(error, 'COMBLOOP', lineA);
    expect(error.detail).to.equal(
      `combinational loop in module 'ring': 'a' (${thisFile}:${lineA}) -> 'b' (${thisFile}:${lineB}) -> 'a'; break it with a register`,
    );
  });

  it('COMBLOOP: loop through an instance', () => {
    let line = 0;
    const error = designError(() => {
      const child = new Module('passthrough');
      child.output('q', UInt(4)).set(child.input('d', UInt(4)));
      const m = new Module('outer');
      line = currentLine() + 1;
      const u = m.instance('u', child);
      u.input('d').set(u.output('q'));
      m.output('y', UInt(4)).set(u.output('q'));
      m.elaborate();
    });
    expect(error.code).to.equal('COMBLOOP');
    expect(error.detail).to.include("'u_q'");
    expect(error.detail).to.include("'u_d'");
    expect(error.detail).to.include(`${thisFile}:${line}`);
  });

  it('no COMBLOOP through a register', () => {
    const m = new Module('registered');
    m.clock();
    const r = m.reg('r', UInt(4));
    const w = m.wire('w', UInt(4));
    w.set(r.addWrap(1));
    r.set(w);
    m.output('y', UInt(4)).set(w);
    expect(() => m.elaborate()).to.not.throw();
  });

  it('UNCONNECTED: instance input left open', () => {
    let line = 0;
    const error = designError(() => {
      const child = new Module('needs_input');
      child.output('q', UInt(4)).set(child.input('d', UInt(4)));
      const m = new Module('parent');
      line = currentLine() + 1;
      const u = m.instance('u', child);
      m.output('y', UInt(4)).set(u.output('q'));
      m.elaborate();
    });
    expectAt(error, 'UNCONNECTED', line);
    expect(error.detail).to.equal("input 'd' of instance 'u' is not connected; drive it with .input('d').set(...) or .connect()");
  });

  it('USAGE: clock made by a register', () => {
    let line = 0;
    const error = designError(() => {
      const m = new Module('divided');
      const divider = m.reg('divider', Bool);
      divider.set(divider.not());
      line = currentLine() + 1;
      m.reg('slow', UInt(4), { clock: divider });
    });
    expectAt(error, 'USAGE', line);
    expect(error.detail).to.equal("clock 'divider' must be an input of module 'divided'; derive slower rates with an enable instead of a clock made by logic");
  });

  it('DUPNAME: two signals share a name', () => {
    let line = 0;
    let first = 0;
    const error = designError(() => {
      const m = new Module('dup');
      first = currentLine() + 1;
      m.input('x', UInt(4));
      line = currentLine() + 1;
      m.wire('x', UInt(4));
    });
    expectAt(error, 'DUPNAME', line);
    expect(error.detail).to.equal(`name 'x' is already used in module 'dup' at ${thisFile}:${first}`);
  });
});
