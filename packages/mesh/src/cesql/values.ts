/**
 * @module CESQL v1 values (spec §3.1), the errors an evaluation reports (§3.3) and the type casts
 * (§3.7): Integer is a JavaScript number kept in the signed 32-bit range, Boolean and String are
 * themselves. Casts report their failure in the evaluation's state instead of throwing, so evaluating
 * an expression per event never builds an `Error` (and its stack trace).
 */

export type CesqlType = 'string' | 'integer' | 'boolean';
export type CesqlValue = string | number | boolean;

/** An event as CESQL reads it: context attributes and extensions by name (spec §3.2). */
export type CesqlEvent = Readonly<Record<string, CesqlValue>>;

/** The error types every engine supports (§3.3); `parse` errors are thrown by `compileCesql`. */
export type CesqlErrorKind =
  | 'parse'
  | 'math'
  | 'cast'
  | 'missingAttribute'
  | 'missingFunction'
  | 'functionEvaluation'
  | 'generic';

export interface CesqlEvaluationError {
  kind: Exclude<CesqlErrorKind, 'parse'>;
  message: string;
}

/** One evaluation's error slot: fail fast (§4.1), so only the first error is kept. */
export interface EvaluationState {
  error: CesqlEvaluationError | undefined;
}

/** An expression that cannot be parsed (a ParseError): the Trigger that holds it is invalid. */
export class CesqlParseError extends Error {
  readonly kind = 'parse';
  constructor(
    message: string,
    /** 1-based column of the offending character in the expression. */
    readonly column: number,
  ) {
    super(`CESQL parse error at column ${column}: ${message}`);
    this.name = 'CesqlParseError';
  }
}

export const MIN_INTEGER = -2_147_483_648;
export const MAX_INTEGER = 2_147_483_647;

/** The zero value of each type (§3.1): what an operator or function returns beside an error. */
export const ZERO: Readonly<Record<CesqlType, CesqlValue>> = { string: '', integer: 0, boolean: false };

export function fail(state: EvaluationState, kind: CesqlEvaluationError['kind'], message: string): void {
  state.error ??= { kind, message };
}

export function typeOf(value: CesqlValue): CesqlType {
  return typeof value === 'number' ? 'integer' : typeof value === 'boolean' ? 'boolean' : 'string';
}

const DECIMAL = /^[+-]?[0-9]+$/;

/** String -> Integer: a base-10 32-bit integer with an optional sign, else 0 and a CastError. */
export function toInteger(value: CesqlValue, state: EvaluationState): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (DECIMAL.test(value)) {
    const parsed = Number(value);
    if (parsed >= MIN_INTEGER && parsed <= MAX_INTEGER) return parsed | 0;
  }
  fail(state, 'cast', `cannot cast the String ${JSON.stringify(value)} to an Integer`);
  return 0;
}

/** String -> Boolean: "true"/"false" in any case, else false and a CastError; Integer: not 0. */
export function toBoolean(value: CesqlValue, state: EvaluationState): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  fail(state, 'cast', `cannot cast the String ${JSON.stringify(value)} to a Boolean`);
  return false;
}

/** Every value casts to String. */
export function toText(value: CesqlValue): string {
  return typeof value === 'string' ? value : String(value);
}

export function castTo(value: CesqlValue, type: CesqlType, state: EvaluationState): CesqlValue {
  if (type === 'integer') return toInteger(value, state);
  if (type === 'boolean') return toBoolean(value, state);
  return toText(value);
}

/** Whether `value` casts to `type` without an error (IS_INT, IS_BOOL). */
export function castsTo(value: CesqlValue, type: CesqlType): boolean {
  const scratch: EvaluationState = { error: undefined };
  castTo(value, type, scratch);
  return scratch.error === undefined;
}
