/**
 * @module CESQL syntax trees to closures, evaluated in fail-fast mode (spec §4.1, as §1.2 asks of
 * filters): the first error stops the evaluation, the node that raised it returns its value (a
 * function's own, the zero value otherwise) and every node above returns the zero value of its type.
 * Operands are cast as §3.7 says: `=`/`!=`/`<>` cast the left operand to the right one's type, IN
 * casts each element to the left operand's type, the others cast to their parameter types. Integer
 * arithmetic wraps around in 32 bits as the Go SDK's does (the spec names no overflow error but ABS's).
 */

import { type CesqlFunction, resolveFunction } from './functions.ts';
import { compileLike } from './like.ts';
import type { ArithmeticOperator, ComparisonOperator, Node } from './parser.ts';
import {
  type CesqlEvent,
  type CesqlValue,
  castTo,
  type EvaluationState,
  fail,
  toBoolean,
  toInteger,
  toText,
  typeOf,
  ZERO,
} from './values.ts';

export type Evaluator = (event: CesqlEvent, state: EvaluationState) => CesqlValue;

/** Attributes a valid event always has: EXISTS is true for them (§3.4.4). */
const REQUIRED_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type']);

/** Reads an attribute; names such as `constructor` must not find Object.prototype's members. */
function attributeReader(name: string): (event: CesqlEvent) => CesqlValue | undefined {
  if (name in Object.prototype) return (event) => (Object.hasOwn(event, name) ? event[name] : undefined);
  return (event) => event[name];
}

function attribute(name: string): Evaluator {
  const read = attributeReader(name);
  return function readAttribute(event, state) {
    const value = read(event);
    if (value !== undefined) return value;
    fail(state, 'missingAttribute', `the event has no attribute ${name}`);
    return false;
  };
}

function exists(name: string): Evaluator {
  if (REQUIRED_ATTRIBUTES.has(name)) return () => true;
  const read = attributeReader(name);
  return (event) => read(event) !== undefined;
}

function not(operand: Evaluator): Evaluator {
  return function notOperator(event, state) {
    const value = operand(event, state);
    if (state.error) return false;
    const bool = toBoolean(value, state);
    return state.error ? false : !bool;
  };
}

function negate(operand: Evaluator): Evaluator {
  return function negateOperator(event, state) {
    const value = operand(event, state);
    if (state.error) return 0;
    const int = toInteger(value, state);
    return state.error ? 0 : -int | 0;
  };
}

function like(operand: Evaluator, pattern: string, negated: boolean): Evaluator {
  const match = compileLike(pattern);
  return function likeOperator(event, state) {
    const value = operand(event, state);
    if (state.error) return false;
    return match(toText(value)) !== negated;
  };
}

function inSet(operand: Evaluator, set: Evaluator[], negated: boolean): Evaluator {
  return function inOperator(event, state) {
    const left = operand(event, state);
    if (state.error) return false;
    const type = typeOf(left);
    for (const element of set) {
      const value = element(event, state);
      if (state.error) return false;
      const cast = castTo(value, type, state);
      if (state.error) return false;
      if (cast === left) return !negated;
    }
    return negated;
  };
}

const ARITHMETIC: Record<ArithmeticOperator, (x: number, y: number, state: EvaluationState) => number> = {
  '+': (x, y) => (x + y) | 0,
  '-': (x, y) => (x - y) | 0,
  '*': (x, y) => Math.imul(x, y),
  '/': (x, y, state) => (y === 0 ? divisionByZero(state) : (x / y) | 0),
  '%': (x, y, state) => (y === 0 ? divisionByZero(state) : (x % y) | 0),
};

function divisionByZero(state: EvaluationState): number {
  fail(state, 'math', 'division by zero');
  return 0;
}

function arithmetic(operator: ArithmeticOperator, left: Evaluator, right: Evaluator): Evaluator {
  const apply = ARITHMETIC[operator];
  return function arithmeticOperator(event, state) {
    const x = left(event, state);
    if (state.error) return 0;
    const y = right(event, state);
    if (state.error) return 0;
    const ix = toInteger(x, state);
    const iy = toInteger(y, state);
    return state.error ? 0 : apply(ix, iy, state);
  };
}

const ORDER: Record<'<' | '<=' | '>' | '>=', (x: number, y: number) => boolean> = {
  '<': (x, y) => x < y,
  '<=': (x, y) => x <= y,
  '>': (x, y) => x > y,
  '>=': (x, y) => x >= y,
};

function comparison(operator: ComparisonOperator, left: Evaluator, right: Evaluator): Evaluator {
  if (operator === '=' || operator === '!=' || operator === '<>') {
    const equal = operator === '=';
    return function equalityOperator(event, state) {
      const x = left(event, state);
      if (state.error) return false;
      const y = right(event, state);
      if (state.error) return false;
      const cast = castTo(x, typeOf(y), state);
      return state.error ? false : (cast === y) === equal;
    };
  }
  const order = ORDER[operator];
  return function orderOperator(event, state) {
    const x = left(event, state);
    if (state.error) return false;
    const y = right(event, state);
    if (state.error) return false;
    const ix = toInteger(x, state);
    const iy = toInteger(y, state);
    return state.error ? false : order(ix, iy);
  };
}

/** AND and OR short-circuit (§3.6): the right operand is not evaluated once the left decides. */
function logic(operator: 'AND' | 'OR' | 'XOR', left: Evaluator, right: Evaluator): Evaluator {
  const decidedBy = operator === 'AND' ? false : operator === 'OR' ? true : undefined;
  return function logicOperator(event, state) {
    const x = left(event, state);
    if (state.error) return false;
    const bx = toBoolean(x, state);
    if (state.error) return false;
    if (bx === decidedBy) return bx;
    const y = right(event, state);
    if (state.error) return false;
    const by = toBoolean(y, state);
    if (state.error) return false;
    return operator === 'XOR' ? bx !== by : by;
  };
}

function call(name: string, fn: CesqlFunction | undefined, args: Evaluator[]): Evaluator {
  if (!fn) {
    return function missingFunction(_event, state) {
      fail(state, 'missingFunction', `no function ${name} takes ${args.length} argument(s)`);
      return false;
    };
  }
  const zero = ZERO[fn.returns];
  const types = args.map((_, i) => fn.parameters[i] ?? fn.variadic ?? 'any');
  return function invoke(event, state) {
    const values: CesqlValue[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const value = args[i]!(event, state);
      if (state.error) return zero;
      const type = types[i]!;
      values[i] = type === 'any' ? value : castTo(value, type, state);
      if (state.error) return zero;
    }
    return fn.run(values, state);
  };
}

export function compileNode(node: Node): Evaluator {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'attribute':
      return attribute(node.name);
    case 'exists':
      return exists(node.name);
    case 'not':
      return not(compileNode(node.operand));
    case 'negate':
      return negate(compileNode(node.operand));
    case 'like':
      return like(compileNode(node.operand), node.pattern, node.negated);
    case 'in':
      return inSet(compileNode(node.operand), node.set.map(compileNode), node.negated);
    case 'arithmetic':
      return arithmetic(node.operator, compileNode(node.left), compileNode(node.right));
    case 'comparison':
      return comparison(node.operator, compileNode(node.left), compileNode(node.right));
    case 'logic':
      return logic(node.operator, compileNode(node.left), compileNode(node.right));
    case 'call':
      return call(node.name, resolveFunction(node.name, node.args.length), node.args.map(compileNode));
  }
}
