// Validates IR nodes against the rules at the top of compiler/ir.ts. The DSL
// only builds valid IR, so a failure here is a bug in hdlc, not in a design.
// The check guards the back ends against such bugs.

import { HdlError } from '../errors.ts';
import { mask, sameType, typeName, type Expr, type ModuleIR, type Type } from '../ir.ts';

const bool: Type = { width: 1, signed: false };

function fail(expr: Expr, rule: string): never {
  throw new HdlError('WIDTH', `internal error: invalid IR ${expr.kind} node of type ${typeName(expr.type)}: ${rule}; please report this as an hdlc bug`, expr.loc);
}

function requireType(expr: Expr, operand: Expr, type: Type, what: string): void {
  if (!sameType(operand.type, type)) {
    fail(expr, `${what} is ${typeName(operand.type)}, expected ${typeName(type)}`);
  }
}

export function checkExpr(expr: Expr, seen = new Set<Expr>()): void {
  if (seen.has(expr)) {
    return;
  }
  seen.add(expr);
  const { type } = expr;
  if (!Number.isInteger(type.width) || type.width < 1) {
    fail(expr, 'width must be 1 or more');
  }

  switch (expr.kind) {
    case 'const':
      if (expr.bits < 0n || expr.bits > mask(type.width)) {
        fail(expr, `bit pattern ${expr.bits} out of range`);
      }
      return;
    case 'ref':
      requireType(expr, expr, expr.signal.type, 'reference');
      return;
    case 'unary':
      checkExpr(expr.arg, seen);
      if (expr.op === 'not' || expr.op === 'neg') {
        requireType(expr, expr.arg, type, 'operand');
      } else if (!sameType(type, { width: 1, signed: false })) {
        fail(expr, 'a reduction gives UInt(1)');
      }
      return;
    case 'binary':
      checkExpr(expr.left, seen);
      checkExpr(expr.right, seen);
      switch (expr.op) {
        case 'add': case 'sub': case 'and': case 'or': case 'xor':
          requireType(expr, expr.left, type, 'left operand');
          requireType(expr, expr.right, type, 'right operand');
          return;
        case 'mul':
          if (expr.left.type.signed !== expr.right.type.signed || expr.left.type.signed !== type.signed
            || type.width !== expr.left.type.width + expr.right.type.width) {
            fail(expr, 'mul needs operands of one signedness and a result of wl + wr bits');
          }
          return;
        case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
          requireType(expr, expr.right, expr.left.type, 'right operand');
          if (!sameType(type, { width: 1, signed: false })) {
            fail(expr, 'a comparison gives UInt(1)');
          }
          return;
        case 'shl': case 'shr':
          requireType(expr, expr.left, type, 'shifted operand');
          if (expr.right.type.signed) {
            fail(expr, 'a shift amount is unsigned');
          }
          return;
      }
      return;
    case 'extend':
      checkExpr(expr.arg, seen);
      if (expr.arg.type.signed !== type.signed || expr.arg.type.width >= type.width) {
        fail(expr, 'extend widens and keeps signedness');
      }
      return;
    case 'slice':
      checkExpr(expr.arg, seen);
      if (type.signed || expr.lo < 0 || expr.lo + type.width > expr.arg.type.width) {
        fail(expr, 'slice is unsigned and inside its operand');
      }
      return;
    case 'concat': {
      let width = 0;
      for (const part of expr.parts) {
        checkExpr(part, seen);
        width += part.type.width;
      }
      if (type.signed || width !== type.width || expr.parts.length === 0) {
        fail(expr, 'concat is unsigned and as wide as its parts');
      }
      return;
    }
    case 'cast':
      checkExpr(expr.arg, seen);
      if (expr.arg.type.width !== type.width || expr.arg.type.signed === type.signed) {
        fail(expr, 'cast keeps the width and flips signedness');
      }
      return;
    case 'mux':
      checkExpr(expr.sel, seen);
      checkExpr(expr.whenTrue, seen);
      checkExpr(expr.whenFalse, seen);
      requireType(expr, expr.sel, { width: 1, signed: false }, 'select');
      requireType(expr, expr.whenTrue, type, 'true arm');
      requireType(expr, expr.whenFalse, type, 'false arm');
      return;
    case 'memread':
      checkExpr(expr.addr, seen);
      requireType(expr, expr, expr.memory.type, 'memory word');
      requireType(expr, expr.addr, { width: expr.memory.addrWidth, signed: false }, 'address');
      return;
  }
}

/** Checks every expression of a module, and that each driver matches its target's type. */
export function checkModuleRules(module: ModuleIR): void {
  const seen = new Set<Expr>();
  for (const assign of module.assigns) {
    checkExpr(assign.value, seen);
    requireType(assign.value, assign.value, assign.target.type, `driver of '${assign.target.name}'`);
  }
  for (const register of module.registers) {
    checkExpr(register.next, seen);
    requireType(register.next, register.next, register.signal.type, `next value of '${register.signal.name}'`);
    if (register.enable) {
      checkExpr(register.enable, seen);
      requireType(register.enable, register.enable, bool, `enable of '${register.signal.name}'`);
    }
    if (register.reset && !sameType(register.reset.signal.type, bool)) {
      fail(register.next, `reset '${register.reset.signal.name}' of '${register.signal.name}' must be UInt(1)`);
    }
  }
  for (const memory of module.memories) {
    const address = { width: memory.addrWidth, signed: false };
    for (const port of memory.writePorts) {
      checkExpr(port.enable, seen);
      checkExpr(port.addr, seen);
      checkExpr(port.data, seen);
      requireType(port.enable, port.enable, bool, `write enable of '${memory.name}'`);
      requireType(port.addr, port.addr, address, `write address of '${memory.name}'`);
      requireType(port.data, port.data, memory.type, `data written to '${memory.name}'`);
    }
    for (const port of memory.readPorts) {
      checkExpr(port.addr, seen);
      requireType(port.addr, port.addr, address, `read address of '${memory.name}'`);
      if (!sameType(port.data.type, memory.type)) {
        fail(port.addr, `read data '${port.data.name}' of '${memory.name}' is ${typeName(port.data.type)}, expected ${typeName(memory.type)}`);
      }
      if (port.enable) {
        checkExpr(port.enable, seen);
        requireType(port.enable, port.enable, bool, `read enable of '${memory.name}'`);
      }
    }
  }
  for (const instance of module.instances) {
    for (const port of instance.module.ports) {
      const parent = instance.inputs.get(port.name) ?? instance.outputs.get(port.name);
      if (parent && !sameType(parent.type, port.type)) {
        throw new HdlError('WIDTH', `internal error: port '${port.name}' of instance '${instance.name}' is ${typeName(port.type)} but connects to ${typeName(parent.type)}; please report this as an hdlc bug`, instance.loc);
      }
    }
  }
}
