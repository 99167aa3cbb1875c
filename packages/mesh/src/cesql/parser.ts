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

function describe(lexeme: Token): string {
  return lexeme.kind === 'end' ? 'the end of the expression' : JSON.stringify(lexeme.text);
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
    const lexeme = this.#peek();
    if (lexeme.kind !== 'end') this.#at++;
    return lexeme;
  }

  #isKeyword(lexeme: Token, keyword: Keyword): boolean {
    return lexeme.kind === 'keyword' && lexeme.value === keyword;
  }

  #isOperator(lexeme: Token, operator: Operator): boolean {
    return lexeme.kind === 'operator' && lexeme.value === operator;
  }

  #expectOperator(operator: Operator, what: string): void {
    const lexeme = this.#next();
    if (!this.#isOperator(lexeme, operator)) throw this.#unexpected(lexeme, `expected ${what}`);
  }

  #unexpected(lexeme: Token, detail: string): CesqlParseError {
    return new CesqlParseError(`${detail}, found ${describe(lexeme)}`, lexeme.column);
  }

  /** Why a lexeme cannot follow a complete expression, for the common mistakes. */
  #hint(lexeme: Token): string {
    if (lexeme.kind === 'integer' && /^[+-]/.test(lexeme.text)) {
      return 'expected an operator (a sign directly before a digit is part of the number: put a space after + or -)';
    }
    return 'expected an operator or the end of the expression';
  }

  #logic(): Node {
    let left = this.#comparison();
    let first: LogicOperator | undefined;
    for (let lexeme = this.#peek(); lexeme.kind === 'keyword'; lexeme = this.#peek()) {
      if (lexeme.value !== 'AND' && lexeme.value !== 'OR' && lexeme.value !== 'XOR') break;
      first ??= lexeme.value;
      if (this.#options.refuseMixedLogic && lexeme.value !== first) {
        throw new CesqlParseError(
          `${first} and ${lexeme.value} are mixed without parentheses: CESQL v1 groups them left to right but ` +
            "Knative's CloudEvents Go SDK right to left, so add parentheses to say which you mean",
          lexeme.column,
        );
      }
      this.#next();
      left = { kind: 'logic', operator: lexeme.value, left, right: this.#comparison() };
    }
    return left;
  }

  #comparison(): Node {
    let left = this.#additive();
    for (
      let lexeme = this.#peek();
      lexeme.kind === 'operator' && COMPARISONS.has(lexeme.value);
      lexeme = this.#peek()
    ) {
      this.#next();
      const operator = lexeme.value as ComparisonOperator;
      left = { kind: 'comparison', operator, left, right: this.#additive() };
    }
    return left;
  }

  #additive(): Node {
    let left = this.#multiplicative();
    for (let lexeme = this.#peek(); lexeme.kind === 'operator'; lexeme = this.#peek()) {
      if (lexeme.value !== '+' && lexeme.value !== '-') break;
      this.#next();
      left = { kind: 'arithmetic', operator: lexeme.value, left, right: this.#multiplicative() };
    }
    return left;
  }

  #multiplicative(): Node {
    let left = this.#in();
    for (let lexeme = this.#peek(); lexeme.kind === 'operator'; lexeme = this.#peek()) {
      if (lexeme.value !== '*' && lexeme.value !== '/' && lexeme.value !== '%') break;
      this.#next();
      left = { kind: 'arithmetic', operator: lexeme.value, left, right: this.#in() };
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
    const lexeme = this.#peek();
    if (this.#isKeyword(lexeme, 'NOT')) {
      this.#next();
      return { kind: 'not', operand: this.#unary() };
    }
    if (this.#isOperator(lexeme, '-')) {
      this.#next();
      return { kind: 'negate', operand: this.#unary() };
    }
    return this.#primary();
  }

  #primary(): Node {
    const lexeme = this.#next();
    switch (lexeme.kind) {
      case 'integer':
      case 'string':
        return { kind: 'literal', value: lexeme.value };
      case 'attribute':
        return { kind: 'attribute', name: lexeme.value };
      case 'name':
        if (this.#isOperator(this.#peek(), '(')) return this.#call(lexeme.value.toUpperCase());
        return { kind: 'attribute', name: lexeme.value };
      case 'function':
        if (this.#isOperator(this.#peek(), '(')) return this.#call(lexeme.value);
        throw this.#unexpected(
          this.#peek(),
          `expected '(' after the function name ${lexeme.text} (attribute names have no underscore)`,
        );
      case 'keyword':
        if (lexeme.value === 'TRUE' || lexeme.value === 'FALSE')
          return { kind: 'literal', value: lexeme.value === 'TRUE' };
        if (lexeme.value === 'EXISTS') return this.#exists();
        break;
      case 'operator':
        if (lexeme.value === '(') {
          const inner = this.#logic();
          this.#expectOperator(')', "')' to close the parenthesis");
          return inner;
        }
        break;
    }
    throw this.#unexpected(lexeme, 'expected a value, an attribute, a function call, EXISTS, NOT or (');
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
