/**
 * @module The CESQL v1 lexer: splits an expression into tokens the way the specification's reference
 * grammar (`CESQLLexer.g4`) does, longest match first, keywords in any case. Two consequences that
 * surprise people and that the CloudEvents Go SDK (Knative's engine) shares: a sign directly before a
 * digit belongs to the number (`5-3` is `5` then `-3`, a parse error; write `5 - 3`), and a name with
 * an underscore is a function name, never an attribute. Stricter than the Go SDK, as the spec's
 * grammar is: a doubled quote ends a string (`'it''s'` does not parse; the Go lexer keeps both
 * quotes) and a character outside the grammar is a parse error (ANTLR's lexer reports and skips it).
 */
import { CesqlParseError, MAX_INTEGER, MIN_INTEGER } from './values.ts';

export const KEYWORDS = ['AND', 'OR', 'XOR', 'NOT', 'LIKE', 'EXISTS', 'IN', 'TRUE', 'FALSE'] as const;
export type Keyword = (typeof KEYWORDS)[number];

export type Token =
  | { kind: 'integer'; value: number; column: number; text: string }
  | { kind: 'string'; value: string; column: number; text: string }
  | { kind: 'keyword'; value: Keyword; column: number; text: string }
  /** Letters only: an attribute, or a function name when `(` follows. */
  | { kind: 'name'; value: string; column: number; text: string }
  /** Letters and digits: an attribute only. */
  | { kind: 'attribute'; value: string; column: number; text: string }
  /** Letters and underscores: a function name only. */
  | { kind: 'function'; value: string; column: number; text: string }
  | { kind: 'operator'; value: Operator; column: number; text: string }
  | { kind: 'end'; value: ''; column: number; text: '' };

export type Operator =
  | '('
  | ')'
  | ','
  | '*'
  | '/'
  | '%'
  | '+'
  | '-'
  | '='
  | '!='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>=';

const TWO_CHAR_OPERATORS = new Set(['!=', '<>', '<=', '>=']);
const ONE_CHAR_OPERATORS = new Set(['(', ')', ',', '*', '/', '%', '+', '-', '=', '<', '>']);
const KEYWORD_SET = new Set<string>(KEYWORDS);

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string | undefined) =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function runLength(text: string, from: number, accepts: (c: string) => boolean): number {
  let end = from;
  while (end < text.length && accepts(text[end]!)) end++;
  return end - from;
}

/** A quoted literal: `\` escapes the next character; only an escaped quote of the same kind loses its `\`. */
function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      value += next === quote ? quote : c + next;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new CesqlParseError(`the string literal opened here is never closed with ${quote}`, start + 1);
}

function readInteger(text: string, start: number): { value: number; end: number } {
  const digitsFrom = text[start] === '+' || text[start] === '-' ? start + 1 : start;
  const end = digitsFrom + runLength(text, digitsFrom, isDigit);
  const value = Number(text.slice(start, end));
  if (value < MIN_INTEGER || value > MAX_INTEGER) {
    throw new CesqlParseError(`${text.slice(start, end)} is not a 32-bit signed integer`, start + 1);
  }
  return { value: value | 0, end };
}

/** A word: the longest of letters+digits and letters+underscores wins; a tie goes to the plain name. */
function readWord(text: string, start: number): Token {
  const alphanumeric = runLength(text, start, (c) => isLetter(c) || isDigit(c));
  const underscored = isLetter(text[start]) ? runLength(text, start, (c) => isLetter(c) || c === '_') : 0;
  const column = start + 1;
  if (underscored > alphanumeric) {
    const word = text.slice(start, start + underscored);
    return { kind: 'function', value: word.toUpperCase(), column, text: word };
  }
  const word = text.slice(start, start + alphanumeric);
  const upper = word.toUpperCase();
  if (KEYWORD_SET.has(upper)) return { kind: 'keyword', value: upper as Keyword, column, text: word };
  if (/^[0-9]+$/.test(word)) {
    const { value } = readInteger(text, start);
    return { kind: 'integer', value, column, text: word };
  }
  const kind = /[0-9]/.test(word) ? 'attribute' : 'name';
  return { kind, value: word.toLowerCase(), column, text: word };
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const column = i + 1;
    if (isSpace(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const { value, end } = readString(text, i);
      tokens.push({ kind: 'string', value, column, text: text.slice(i, end) });
      i = end;
    } else if ((c === '+' || c === '-') && isDigit(text[i + 1])) {
      const { value, end } = readInteger(text, i);
      tokens.push({ kind: 'integer', value, column, text: text.slice(i, end) });
      i = end;
    } else if (isLetter(c) || isDigit(c)) {
      const token = readWord(text, i);
      tokens.push(token);
      i += token.text.length;
    } else if (TWO_CHAR_OPERATORS.has(text.slice(i, i + 2))) {
      const op = text.slice(i, i + 2) as Operator;
      tokens.push({ kind: 'operator', value: op, column, text: op });
      i += 2;
    } else if (ONE_CHAR_OPERATORS.has(c)) {
      tokens.push({ kind: 'operator', value: c as Operator, column, text: c });
      i++;
    } else {
      throw new CesqlParseError(`unexpected character ${JSON.stringify(c)}`, column);
    }
  }
  tokens.push({ kind: 'end', value: '', column: text.length + 1, text: '' });
  return tokens;
}
