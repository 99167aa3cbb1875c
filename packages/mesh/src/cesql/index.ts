/**
 * @module CloudEvents SQL (CESQL) v1, the expression language of Knative's `cesql` Trigger filter:
 * `compileCesql` parses an expression once (a CesqlParseError if it cannot) and the result evaluates
 * it per event without parsing again, in the fail-fast mode the spec asks of filters.
 *
 * Hand-written because nothing maintained exists for JavaScript: on the npm registry `cesql`,
 * `cloudevents-sql` and `@cloudevents/sql` do not exist, and the CloudEvents JS SDK (`cloudevents`
 * 10) has no CESQL; Knative runs the Go SDK's implementation (`sql/v2`, an ANTLR grammar). An
 * ANTLR-generated parser would bring a runtime dependency for a grammar of a dozen rules, so this is
 * a small lexer and recursive-descent parser that follow the spec's reference grammar.
 *
 * Where the spec and the Go SDK differ, this follows the spec and says so: characters are Unicode
 * code points (the Go SDK counts bytes), `SUBSTRING` with a negative length is an error, `\` before a
 * character other than `%`/`_` in a LIKE pattern is a literal backslash, and AND/OR/XOR group left
 * to right (the Go SDK: right to left; `refuseMixedLogic` refuses the expressions where that matters).
 * The spec names no error for integer overflow: arithmetic wraps around in 32 bits, as in Go. The
 * spec's TCK expects `NOT 10` to be a CastError, but the spec's own cast table (Integer -> Boolean is
 * MUST) and the Go SDK's copy of the TCK make it `false` without an error, as here.
 */
import { compileNode } from './compile.ts';
import { type ParseOptions, parse } from './parser.ts';
import type { CesqlEvaluationError, CesqlEvent, CesqlValue, EvaluationState } from './values.ts';

export type { ParseOptions } from './parser.ts';
export {
  type CesqlErrorKind,
  type CesqlEvaluationError,
  type CesqlEvent,
  CesqlParseError,
  type CesqlValue,
} from './values.ts';

export interface CesqlResult {
  value: CesqlValue;
  /** Set when the evaluation failed; `value` is then the zero value of the expression's type. */
  error?: CesqlEvaluationError;
}

export interface CesqlExpression {
  readonly text: string;
  evaluate(event: CesqlEvent): CesqlResult;
  /** As a filter (§1.2): true only for a Boolean `true` reached without an error. */
  matches(event: CesqlEvent): boolean;
}

/** Parses `text` once; throws a CesqlParseError naming the column of the first problem. */
export function compileCesql(text: string, options: ParseOptions = {}): CesqlExpression {
  const evaluator = compileNode(parse(text, options));
  return {
    text,
    evaluate(event) {
      const state: EvaluationState = { error: undefined };
      const value = evaluator(event, state);
      return state.error ? { value, error: state.error } : { value };
    },
    matches(event) {
      const state: EvaluationState = { error: undefined };
      return evaluator(event, state) === true && state.error === undefined;
    },
  };
}
