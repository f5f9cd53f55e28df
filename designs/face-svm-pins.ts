// The face classifier behind a narrow, byte-serial pin interface, so that
// place and route fits it into a package with few I/O pins (the iCE40 UP5K
// in its SG48 package has 39). Every input of the classifier is driven from a
// pin or from wrapper logic, and every output reaches a pin, so synthesis
// removes nothing.
//
// Pins (all synchronous to the rising edge of clk):
// - `in_data` and `in_shift`: while in_shift is 1, the byte on in_data
//   enters the shift register at its low end and every older byte moves up
//   by 8 bits. The same register feeds `x_data` (its low 8 * LANES bits),
//   `weight_data` (the same bits) and `threshold_data` (its low bits, as a
//   signed value). So for an embedding beat or a weight word the host shifts
//   lane LANES - 1 first and lane 0 last, and for a threshold it shifts the
//   most significant byte first.
// - `x_valid`, `threshold_write`, `weight_write` and `result_ready` go to the
//   classifier unchanged, as do `x_ready`, `result_valid` and `busy` the
//   other way.
// - With storage "ram", `weight_addr` comes from a counter that starts at 0
//   after reset and steps by one after each weight_write, so the host writes
//   the weight words in address order.
// - `out_data` is byte `out_select` of the result word
//   {result_unknown, result_class, result_score}, byte 0 being the low byte
//   of the score. A select past the last byte reads byte 0.

import { Bool, Module, UInt, generator, type ModuleIR, type Value } from '../dsl/index.ts';
import { indexWidth } from '../dsl/lib/index.ts';
import { cat } from '../dsl/value.ts';
import { loadIntModel } from '../runtime/integer-model.ts';
import { faceSvm, type FaceSvmOptions } from './face-svm.ts';

/** Returns the width in bits of a port of an elaborated module. */
function portWidth(module: ModuleIR, name: string): number {
  const port = module.ports.find((p) => p.name === name);
  if (!port) {
    throw new Error(`module '${module.name}' has no port '${name}'`);
  }
  return port.type.width;
}

/** Byte-aligned width of the shift register that carries embedding beats, weight words and the threshold. */
export function shiftRegisterWidth(core: ModuleIR, lanes: number): number {
  const widest = Math.max(8 * lanes, portWidth(core, 'threshold_data'));
  return 8 * Math.ceil(widest / 8);
}

/** Bytes of the result word {result_unknown, result_class, result_score}. */
export function resultBytes(core: ModuleIR): number {
  const bits = 1 + portWidth(core, 'result_class') + portWidth(core, 'result_score');
  return Math.ceil(bits / 8);
}

/** Wraps `core`, an instance of the face classifier built with `options`, in the byte-serial pins. */
export function faceSvmPins(core: Module, { lanes, storage }: FaceSvmOptions): Module {
  const coreIR = core.elaborate();
  const m = new Module(`${core.name}_pins`, { lanes, storage });
  const clock = m.clock();
  const reset = m.input('reset', Bool);
  const inData = m.input('in_data', UInt(8));
  const inShift = m.input('in_shift', Bool);
  const xValid = m.input('x_valid', Bool);
  const thresholdWrite = m.input('threshold_write', Bool);
  const resultReady = m.input('result_ready', Bool);

  const face = m.instance('core', core);
  face.connect({ clk: clock, reset, x_valid: xValid, threshold_write: thresholdWrite, result_ready: resultReady });

  // The shared shift register.
  const shiftWidth = shiftRegisterWidth(coreIR, lanes);
  const shift = m.reg('shift', UInt(shiftWidth));
  m.when(inShift, () => {
    shift.set(shiftWidth === 8 ? inData : cat(shift.slice(shiftWidth - 9, 0), inData));
  });
  const thresholdBits = portWidth(coreIR, 'threshold_data');
  face.input('x_data').set(shift.slice(8 * lanes - 1, 0));
  face.input('threshold_data').set(shift.slice(thresholdBits - 1, 0).asSigned());

  if (storage === 'ram') {
    const weightWrite = m.input('weight_write', Bool);
    const addressBits = portWidth(coreIR, 'weight_addr');
    const weightAddress = m.reg('weight_address', UInt(addressBits), { reset });
    m.when(weightWrite, () => weightAddress.set(weightAddress.addWrap(1)));
    face.connect({ weight_write: weightWrite, weight_addr: weightAddress, weight_data: shift.slice(8 * lanes - 1, 0) });
  }

  m.output('x_ready', Bool).set(face.output('x_ready'));
  m.output('result_valid', Bool).set(face.output('result_valid'));
  m.output('busy', Bool).set(face.output('busy'));

  // The result word, read a byte at a time.
  const bytes = resultBytes(coreIR);
  const word: Value = cat(face.output('result_unknown'), face.output('result_class'), face.output('result_score').asUnsigned())
    .resize(8 * bytes);
  const select = m.input('out_select', UInt(indexWidth(bytes)));
  const outData = m.output('out_data', UInt(8));
  outData.set(word.slice(7, 0));
  for (let i = 1; i < bytes; i++) {
    m.when(select.eq(i), () => outData.set(word.slice(8 * i + 7, 8 * i)));
  }
  return m;
}

export default generator('face_svm_pins', { weights: 'generated/lfw/weights.json', lanes: 8, storage: 'ram' }, ({ weights, lanes, storage }) => {
  if (storage !== 'rom' && storage !== 'ram') {
    throw new RangeError(`storage must be "rom" or "ram", got "${storage}"`);
  }
  const options = { lanes, storage } as const;
  return faceSvmPins(faceSvm(loadIntModel(weights), options), options);
});
