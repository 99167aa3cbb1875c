/**
 * @module The CESQL v1 parser: tokens to a syntax tree by recursive descent, one function per
 * precedence level of spec §3.6 and the reference grammar (`CESQLParser.g4`), tightest first:
 * function calls and literals, unary NOT and `-`, LIKE, EXISTS, IN, then `* / %`, `+ -`, comparisons
 * and the logic operators, each binary level grouped left to right.
 */
import { type Keyword, type Operator, type Token, tokenize } from './lexer.ts';
import { CesqlParseError, type CesqlValue } from './values.ts';

export type ArithmeticOperator = '*' | '/' | '%' | '+' | '-';
export type ComparisonOperator = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';
export type LogicOperator = 'AND' | 'OR' | 'XOR';

export type Node =
  | { kind: 'literal'; value: CesqlValue }
  | { kind: 'attribute'; name: string }
  | { kind: 'exists'; name: string }
  | { kind: 'not'; operand: Node }
  | { kind: 'negate'; operand: Node }
  | { kind: 'like'; operand: Node; pattern: string; negated: boolean }
  | { kind: 'in'; operand: Node; set: Node[]; negated: boolean }
  | { kind: 'arithmetic'; operator: ArithmeticOperator; left: Node; right: Node }
  | { kind: 'comparison'; operator: ComparisonOperator; left: Node; right: Node }
  | { kind: 'logic'; operator: LogicOperator; left: Node; right: Node }
  | { kind: 'call'; name: string; args: Node[] };

export interface ParseOptions {
  /**
   * Refuse `a AND b OR c` (AND, OR and XOR mixed without parentheses). CESQL v1 groups them left to
   * right; the reference grammar and the CloudEvents Go SDK that Knative runs group them right to
   * left (`a AND (b OR c)`), so such an expression would filter differently here and in a cluster.
   */
  refuseMixedLogic?: boolean;
}

const COMPARISONS = new Set<string>(['=', '!=', '<>', '<', '<=', '>', '>=']);

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the expression' : JSON.stringify(token.text);
}

class Parser {
  #tokens: Token[];
  #at = 0;
  #options: ParseOptions;

  constructor(tokens: Token[], options: ParseOptions) {
    this.#tokens = tokens;
    this.#options = options;
  }

  expression(): Node {
    const tree = this.#logic();
    const rest = this.#peek();
    if (rest.kind !== 'end') throw this.#unexpected(rest, this.#hint(rest));
    return tree;
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#at + offset, this.#tokens.length - 1)]!;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#at++;
    return token;
  }

  #isKeyword(token: Token, keyword: Keyword): boolean {
    return token.kind === 'keyword' && token.value === keyword;
  }

  #isOperator(token: Token, operator: Operator): boolean {
    return token.kind === 'operator' && token.value === operator;
  }

  #expectOperator(operator: Operator, what: string): void {
    const token = this.#next();
    if (!this.#isOperator(token, operator)) throw this.#unexpected(token, `expected ${what}`);
  }

  #unexpected(token: Token, detail: string): CesqlParseError {
    return new CesqlParseError(`${detail}, found ${describe(token)}`, token.column);
  }

  /** Why a token cannot follow a complete expression, for the common mistakes. */
  #hint(token: Token): string {
    if (token.kind === 'integer' && /^[+-]/.test(token.text)) {
      return 'expected an operator (a sign directly before a digit is part of the number: put a space after + or -)';
    }
    return 'expected an operator or the end of the expression';
  }

  #logic(): Node {
    let left = this.#comparison();
    let first: LogicOperator | undefined;
    for (let token = this.#peek(); token.kind === 'keyword'; token = this.#peek()) {
      if (token.value !== 'AND' && token.value !== 'OR' && token.value !== 'XOR') break;
      first ??= token.value;
      if (this.#options.refuseMixedLogic && token.value !== first) {
        throw new CesqlParseError(
          `${first} and ${token.value} are mixed without parentheses: CESQL v1 groups them left to right but ` +
            "Knative's CloudEvents Go SDK right to left, so add parentheses to say which you mean",
          token.column,
        );
      }
      this.#next();
      left = { kind: 'logic', operator: token.value, left, right: this.#comparison() };
    }
    return left;
  }

  #comparison(): Node {
    let left = this.#additive();
    for (
      let token = this.#peek();
      token.kind === 'operator' && COMPARISONS.has(token.value);
      token = this.#peek()
    ) {
      this.#next();
      const operator = token.value as ComparisonOperator;
      left = { kind: 'comparison', operator, left, right: this.#additive() };
    }
    return left;
  }

  #additive(): Node {
    let left = this.#multiplicative();
    for (let token = this.#peek(); token.kind === 'operator'; token = this.#peek()) {
      if (token.value !== '+' && token.value !== '-') break;
      this.#next();
      left = { kind: 'arithmetic', operator: token.value, left, right: this.#multiplicative() };
    }
    return left;
  }

  #multiplicative(): Node {
    let left = this.#in();
    for (let token = this.#peek(); token.kind === 'operator'; token = this.#peek()) {
      if (token.value !== '*' && token.value !== '/' && token.value !== '%') break;
      this.#next();
      left = { kind: 'arithmetic', operator: token.value, left, right: this.#in() };
    }
    return left;
  }

  /** Consumes `[NOT] IN` or `[NOT] LIKE` when next: whether NOT came first; undefined when absent. */
  #postfix(keyword: 'IN' | 'LIKE'): boolean | undefined {
    const negated = this.#isKeyword(this.#peek(), 'NOT') && this.#isKeyword(this.#peek(1), keyword);
    if (!negated && !this.#isKeyword(this.#peek(), keyword)) return undefined;
    if (negated) this.#next();
    this.#next();
    return negated;
  }

  /** `x [NOT] IN (y1, y2, ...)`: a set of one or more expressions. */
  #in(): Node {
    let operand = this.#like();
    for (;;) {
      const negated = this.#postfix('IN');
      if (negated === undefined) return operand;
      this.#expectOperator('(', "'(' to open the set of IN");
      const set = [this.#logic()];
      while (this.#isOperator(this.#peek(), ',')) {
        this.#next();
        set.push(this.#logic());
      }
      this.#expectOperator(')', "',' or ')' to close the set of IN");
      operand = { kind: 'in', operand, set, negated };
    }
  }

  /** `x [NOT] LIKE 'pattern'`: the pattern must be a string literal (§3.4.3). */
  #like(): Node {
    let operand = this.#unary();
    for (;;) {
      const negated = this.#postfix('LIKE');
      if (negated === undefined) return operand;
      const pattern = this.#next();
      if (pattern.kind !== 'string')
        throw this.#unexpected(pattern, 'expected a string literal as the LIKE pattern');
      operand = { kind: 'like', operand, pattern: pattern.value, negated };
    }
  }

  #unary(): Node {
    const token = this.#peek();
    if (this.#isKeyword(token, 'NOT')) {
      this.#next();
      return { kind: 'not', operand: this.#unary() };
    }
    if (this.#isOperator(token, '-')) {
      this.#next();
      return { kind: 'negate', operand: this.#unary() };
    }
    return this.#primary();
  }

  #primary(): Node {
    const token = this.#next();
    switch (token.kind) {
      case 'integer':
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'attribute':
        return { kind: 'attribute', name: token.value };
      case 'name':
        if (this.#isOperator(this.#peek(), '(')) return this.#call(token.value.toUpperCase());
        return { kind: 'attribute', name: token.value };
      case 'function':
        if (this.#isOperator(this.#peek(), '(')) return this.#call(token.value);
        throw this.#unexpected(
          this.#peek(),
          `expected '(' after the function name ${token.text} (attribute names have no underscore)`,
        );
      case 'keyword':
        if (token.value === 'TRUE' || token.value === 'FALSE')
          return { kind: 'literal', value: token.value === 'TRUE' };
        if (token.value === 'EXISTS') return this.#exists();
        break;
      case 'operator':
        if (token.value === '(') {
          const inner = this.#logic();
          this.#expectOperator(')', "')' to close the parenthesis");
          return inner;
        }
        break;
    }
    throw this.#unexpected(token, 'expected a value, an attribute, a function call, EXISTS, NOT or (');
  }

  #exists(): Node {
    const name = this.#next();
    if (name.kind !== 'name' && name.kind !== 'attribute') {
      throw this.#unexpected(name, 'expected an attribute name after EXISTS');
    }
    return { kind: 'exists', name: name.value };
  }

  #call(name: string): Node {
    this.#next(); // (
    const args: Node[] = [];
    if (!this.#isOperator(this.#peek(), ')')) {
      args.push(this.#logic());
      while (this.#isOperator(this.#peek(), ',')) {
        this.#next();
        args.push(this.#logic());
      }
    }
    this.#expectOperator(')', `',' or ')' to close the arguments of ${name}`);
    return { kind: 'call', name, args };
  }
}

/** Parses a CESQL expression; throws a CesqlParseError naming the column of the first problem. */
export function parse(text: string, options: ParseOptions = {}): Node {
  return new Parser(tokenize(text), options).expression();
}
