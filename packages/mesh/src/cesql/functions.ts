/**
 * @module The built-in functions of CESQL v1 (§3.5: string manipulation and ABS) and the casting
 * functions every engine carries (INT, BOOL, STRING, IS_INT, IS_BOOL, as the TCK and the CloudEvents
 * Go SDK have them). A function is found by name (any case) and arity, a fixed arity before a variadic
 * one; its arguments are cast to its parameter types before it runs, and on an error it still returns
 * a value of its type (§3.5.3).
 */
import { type Characters, characters, sliceCharacters } from './text.ts';
import {
  type CesqlType,
  type CesqlValue,
  castsTo,
  type EvaluationState,
  fail,
  MAX_INTEGER,
  MIN_INTEGER,
  toBoolean,
  toInteger,
  toText,
} from './values.ts';

/** A parameter's type; `any` takes the argument as it is. */
export type ParameterType = CesqlType | 'any';

export interface CesqlFunction {
  name: string;
  parameters: readonly ParameterType[];
  /** The type of every argument after the fixed ones, for a variadic function. */
  variadic?: ParameterType;
  returns: CesqlType;
  run(args: CesqlValue[], state: EvaluationState): CesqlValue;
}

const WHITE_SPACE_AROUND = /^\p{White_Space}+|\p{White_Space}+$/gu;

function invalidArgument(state: EvaluationState, message: string): void {
  fail(state, 'functionEvaluation', message);
}

/** SUBSTRING's start index: 1-based, or counted from the end when negative; undefined when out of range. */
function substringStart(length: number, pos: number): number | undefined {
  if (pos > length || pos < -length) return undefined;
  return pos < 0 ? length + pos : pos - 1;
}

/** LEFT and RIGHT: `x` itself when `y` covers it, and (with a FunctionEvaluationError) when `y < 0`. */
function edge(name: string, take: (chars: Characters, count: number) => string): CesqlFunction {
  return {
    name,
    parameters: ['string', 'integer'],
    returns: 'string',
    run([x, y], state) {
      const chars = characters(x as string);
      const count = y as number;
      if (count < 0) invalidArgument(state, `${name} needs a length of 0 or more, got ${count}`);
      return count < 0 || count >= chars.length ? (x as string) : take(chars, count);
    },
  };
}

const BUILT_INS: CesqlFunction[] = [
  { name: 'INT', parameters: ['any'], returns: 'integer', run: ([x], state) => toInteger(x!, state) },
  { name: 'BOOL', parameters: ['any'], returns: 'boolean', run: ([x], state) => toBoolean(x!, state) },
  { name: 'STRING', parameters: ['any'], returns: 'string', run: ([x]) => toText(x!) },
  { name: 'IS_INT', parameters: ['any'], returns: 'boolean', run: ([x]) => castsTo(x!, 'integer') },
  { name: 'IS_BOOL', parameters: ['any'], returns: 'boolean', run: ([x]) => castsTo(x!, 'boolean') },
  {
    name: 'ABS',
    parameters: ['integer'],
    returns: 'integer',
    run([x], state) {
      const n = x as number;
      if (n !== MIN_INTEGER) return Math.abs(n);
      fail(state, 'math', `ABS(${MIN_INTEGER}) overflows a 32-bit integer`);
      return MAX_INTEGER;
    },
  },
  {
    name: 'LENGTH',
    parameters: ['string'],
    returns: 'integer',
    run: ([x]) => characters(x as string).length,
  },
  {
    name: 'CONCAT',
    parameters: [],
    variadic: 'string',
    returns: 'string',
    run: (args) => args.join(''),
  },
  {
    name: 'CONCAT_WS',
    parameters: ['string'],
    variadic: 'string',
    returns: 'string',
    run: ([delimiter, ...parts]) => parts.join(delimiter as string),
  },
  { name: 'LOWER', parameters: ['string'], returns: 'string', run: ([x]) => (x as string).toLowerCase() },
  { name: 'UPPER', parameters: ['string'], returns: 'string', run: ([x]) => (x as string).toUpperCase() },
  {
    name: 'TRIM',
    parameters: ['string'],
    returns: 'string',
    run: ([x]) => (x as string).replace(WHITE_SPACE_AROUND, ''),
  },
  edge('LEFT', (chars, count) => sliceCharacters(chars, 0, count)),
  edge('RIGHT', (chars, count) => sliceCharacters(chars, chars.length - count)),
  {
    name: 'SUBSTRING',
    parameters: ['string', 'integer'],
    returns: 'string',
    run([x, pos], state) {
      const chars = characters(x as string);
      const start = substringStart(chars.length, pos as number);
      if (start === undefined) {
        invalidArgument(state, `SUBSTRING position ${pos} is outside a string of length ${chars.length}`);
        return '';
      }
      return pos === 0 ? '' : sliceCharacters(chars, start);
    },
  },
  {
    name: 'SUBSTRING',
    parameters: ['string', 'integer', 'integer'],
    returns: 'string',
    run([x, pos, len], state) {
      const chars = characters(x as string);
      const start = substringStart(chars.length, pos as number);
      if (start === undefined || (len as number) < 0) {
        invalidArgument(state, `SUBSTRING(x, ${pos}, ${len}) is outside a string of length ${chars.length}`);
        return '';
      }
      return pos === 0 ? '' : sliceCharacters(chars, start, Math.min(start + (len as number), chars.length));
    },
  },
];

interface Overloads {
  fixed: Map<number, CesqlFunction>;
  variadic?: CesqlFunction;
}

const TABLE = new Map<string, Overloads>();
for (const fn of BUILT_INS) {
  const overloads: Overloads = TABLE.get(fn.name) ?? { fixed: new Map() };
  if (fn.variadic) overloads.variadic = fn;
  else overloads.fixed.set(fn.parameters.length, fn);
  TABLE.set(fn.name, overloads);
}

/** The function a call dispatches to, or undefined (a MissingFunctionError when evaluated). */
export function resolveFunction(name: string, arity: number): CesqlFunction | undefined {
  const overloads = TABLE.get(name.toUpperCase());
  if (!overloads) return undefined;
  const fixed = overloads.fixed.get(arity);
  if (fixed) return fixed;
  const variadic = overloads.variadic;
  return variadic && arity >= variadic.parameters.length ? variadic : undefined;
}
