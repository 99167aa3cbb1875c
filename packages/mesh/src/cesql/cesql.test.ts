/**
 * CESQL behaviour the TCK leaves out: precedence and grouping (spec §3.6), 32-bit integers, the
 * lexer's corner cases, Unicode characters, error values in nested expressions (§3.3, §4.1), the
 * filter reading (§1.2), and the cost of a hostile LIKE.
 */
import { describe, expect, it } from 'vitest';
import { type CesqlEvent, CesqlParseError, compileCesql } from './index.ts';

const event: CesqlEvent = {
  specversion: '1.0',
  id: 'e-1',
  source: '/inventory',
  type: 'io.stockflow.stock.reserved',
  region: 'eu',
  ext1: 'one',
  myint: 7,
};
const run = (expression: string, on: CesqlEvent = event) => compileCesql(expression).evaluate(on);
const value = (expression: string, on?: CesqlEvent) => run(expression, on).value;
const refused = (expression: string) => () => compileCesql(expression);

describe('precedence and grouping (§3.6)', () => {
  it.each([
    ['2 + 3 * 4', 14],
    ['10 - 2 - 3', 5],
    ['12 / 2 / 3', 2],
    ['(2 + 3) * 4', 20],
    ['- 2 * 3', -6],
    ['1 + 2 IN (2)', 2], // IN binds tighter than +: 1 + TRUE
    ['NOT TRUE = FALSE', true], // NOT binds tighter than =: (NOT TRUE) = FALSE
    ['1 < 2 = TRUE', true],
    ['FALSE AND TRUE OR TRUE', true], // left to right: (FALSE AND TRUE) OR TRUE
    ['TRUE OR TRUE AND FALSE', false], // left to right: (TRUE OR TRUE) AND FALSE
    ['NOT EXISTS subject AND EXISTS region', true],
  ])('%s is %s', (expression, expected) => {
    expect(run(expression)).toEqual({ value: expected });
  });

  it('can refuse AND/OR/XOR mixed without parentheses, which Knative groups right to left', () => {
    const strict = { refuseMixedLogic: true };
    expect(() => compileCesql('FALSE AND TRUE OR TRUE', strict)).toThrow(/mixed without parentheses/);
    expect(() => compileCesql('TRUE XOR TRUE AND TRUE', strict)).toThrow(CesqlParseError);
    expect(compileCesql('(FALSE AND TRUE) OR TRUE', strict).evaluate(event).value).toBe(true);
    expect(compileCesql('TRUE AND TRUE AND FALSE', strict).evaluate(event).value).toBe(false);
  });
});

describe('32-bit integers (§3.1)', () => {
  it('refuses a literal outside the 32-bit range when parsing', () => {
    expect(refused('2147483648')).toThrow(/not a 32-bit signed integer/);
    expect(value('-2147483648')).toBe(-2147483648);
    expect(value('2147483647')).toBe(2147483647);
  });

  it('wraps around on overflow as the Go SDK does, with no error', () => {
    expect(run('2147483647 + 1')).toEqual({ value: -2147483648 });
    expect(run('-2147483648 - 1')).toEqual({ value: 2147483647 });
    expect(run('65536 * 65536')).toEqual({ value: 0 });
    expect(run('-2147483648 / -1')).toEqual({ value: -2147483648 });
    expect(run('- -2147483648')).toEqual({ value: -2147483648 });
  });

  it('truncates division toward zero and gives the remainder the sign of the dividend', () => {
    expect(value('-7 / 2')).toBe(-3);
    expect(value('-7 % 2')).toBe(-1);
    expect(value('7 % -2')).toBe(1);
    expect(Object.is(value('-4 % 2'), 0)).toBe(true);
  });

  it('casts strings to integers only when they are base-10 32-bit numbers', () => {
    expect(run("'+5' = 5")).toEqual({ value: true });
    expect(run("'007' + 1")).toEqual({ value: 8 });
    expect(run("' 5' + 1").error?.kind).toBe('cast');
    expect(run("'2147483648' + 0")).toEqual({ value: 0, error: expect.objectContaining({ kind: 'cast' }) });
    expect(run("'1e3' > 1").error?.kind).toBe('cast');
  });

  it('reads an integer extension as an Integer', () => {
    expect(value('myint > 5')).toBe(true);
    expect(value('myint = 7')).toBe(true);
  });
});

describe('lexing (the reference grammar CESQLLexer.g4)', () => {
  it('takes a sign directly before a digit as part of the number, and says so', () => {
    expect(refused('5-3')).toThrow(/put a space after \+ or -/);
    expect(refused('myint+1')).toThrow(CesqlParseError);
    expect(value('5 - 3')).toBe(2);
    expect(value('5 -(3)')).toBe(2);
  });

  it('keeps a backslash that escapes no quote, and unescapes only the quote that delimits', () => {
    expect(value("'a\\b'")).toBe('a\\b');
    expect(value("LENGTH('a\\b')")).toBe(3);
    expect(value('"a\\\'b"')).toBe("a\\'b");
    expect(value("'it\\'s'")).toBe("it's");
  });

  it('refuses unclosed strings, doubled quotes, empty input and characters outside the grammar', () => {
    expect(refused("type = 'abc")).toThrow(/never closed/);
    expect(refused("'it''s'")).toThrow(CesqlParseError);
    expect(refused('')).toThrow(CesqlParseError);
    expect(refused("type = 'a';")).toThrow(/unexpected character ";"/);
    expect(refused('type == 1')).toThrow(CesqlParseError);
    expect(refused('1 IN ()')).toThrow(CesqlParseError);
    expect(refused('EXISTS 1')).toThrow(/attribute name after EXISTS/);
  });

  it('names the column of the problem', () => {
    expect(refused("type = 'a' AND")).toThrow(/column 15: .*found the end of the expression/);
  });

  it('reads keywords, attributes and function names in any case', () => {
    expect(value("TYPE like 'io.%' aNd exists REGION")).toBe(true);
    expect(value("lower('ABC') = Concat('a', 'bc')")).toBe(true);
    expect(value("ext1 = 'one'")).toBe(true);
  });

  it('takes a name with an underscore for a function, never an attribute', () => {
    expect(refused("my_ext = 'a'")).toThrow(/attribute names have no underscore/);
  });

  it('does not find Object.prototype members as attributes', () => {
    expect(run('constructor').error?.kind).toBe('missingAttribute');
    expect(value('EXISTS constructor')).toBe(false);
  });
});

describe('characters are Unicode code points (§3.5.1)', () => {
  it('counts, cuts and matches by character', () => {
    expect(value("LENGTH('h\u00e9llo\u{1f600}')")).toBe(6);
    expect(value("LEFT('\u{1f600}\u{1f601}', 1)")).toBe('\u{1f600}');
    expect(value("RIGHT('\u{1f600}\u{1f601}', 1)")).toBe('\u{1f601}');
    expect(value("SUBSTRING('a\u{1f600}b', 2, 1)")).toBe('\u{1f600}');
    expect(value("'x\u{1f600}y' LIKE 'x_y'")).toBe(true);
  });

  it('trims Unicode white space and nothing else', () => {
    expect(value("TRIM('\u00a0\u3000 a b\t\n')")).toBe('a b');
    expect(value("LENGTH(TRIM('\u0001a\u0001'))")).toBe(3);
  });
});

describe('LIKE (§3.4.3)', () => {
  it('is case-sensitive and anchored at both ends', () => {
    expect(value("type LIKE 'IO.%'")).toBe(false);
    expect(value("type LIKE 'stock'")).toBe(false);
    expect(value("type LIKE '%stock%'")).toBe(true);
    expect(value("region LIKE '__'")).toBe(true);
    expect(value("region LIKE '_'")).toBe(false);
  });

  it('matches a pattern with many % against a long hostile value in linear-ish time', () => {
    const long = { ...event, subject: 'a'.repeat(20_000) };
    const expression = compileCesql("subject LIKE '%a%a%a%a%a%b'");
    const started = performance.now();
    expect(expression.evaluate(long).value).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('functions (§3.5)', () => {
  it('returns its own value beside its error at the top, and parents return their zero value', () => {
    expect(run("LEFT('abc', -1)")).toEqual({
      value: 'abc',
      error: expect.objectContaining({ kind: 'functionEvaluation' }),
    });
    expect(run("UPPER(LEFT('abc', -1))")).toEqual({
      value: '',
      error: expect.objectContaining({ kind: 'functionEvaluation' }),
    });
    expect(run('LENGTH(missing)')).toEqual({
      value: 0,
      error: expect.objectContaining({ kind: 'missingAttribute' }),
    });
    expect(run("CONCAT('a', missing) = 'a'").value).toBe(false);
  });

  it('dispatches on name and arity; a call that cannot be dispatched is false and a MissingFunctionError', () => {
    expect(run('UPPER()')).toEqual({
      value: false,
      error: expect.objectContaining({ kind: 'missingFunction' }),
    });
    expect(run('NOPE(missing)').error?.kind).toBe('missingFunction');
    expect(value("SUBSTRING('abcdef', 2)")).toBe('bcdef');
    expect(value("CONCAT_WS('-', 'a', 'b', 1, TRUE)")).toBe('a-b-1-true');
  });

  it('casts arguments to the parameter types', () => {
    expect(value("LEFT(12345, '2')")).toBe('12');
    expect(run("ABS('x')")).toEqual({ value: 0, error: expect.objectContaining({ kind: 'cast' }) });
  });

  it('refuses a negative SUBSTRING length (spec; the Go SDK does not check it)', () => {
    expect(run("SUBSTRING('abcdef', 2, -1)")).toEqual({
      value: '',
      error: expect.objectContaining({ kind: 'functionEvaluation' }),
    });
    expect(value("SUBSTRING('abcdef', 2, 100)")).toBe('bcdef');
  });

  it('IS_INT and IS_BOOL tell whether a value casts, without an error', () => {
    expect(run("IS_INT('12')")).toEqual({ value: true });
    expect(run("IS_INT('x')")).toEqual({ value: false });
    expect(run("IS_BOOL('True')")).toEqual({ value: true });
    expect(run('IS_BOOL(2)')).toEqual({ value: true });
    expect(run("IS_BOOL('yes')")).toEqual({ value: false });
  });
});

describe('as a filter (§1.2): matches only a Boolean true without an error', () => {
  it.each([
    ["type = 'io.stockflow.stock.reserved'", true],
    ["type = 'other'", false],
    ["'true'", false],
    ['1', false],
    ['subject = subject', false],
    ['FALSE AND subject', false],
    ['TRUE OR subject', true],
    ['EXISTS stockflowreplay', false],
  ])('%s matches: %s', (expression, expected) => {
    expect(compileCesql(expression).matches(event)).toBe(expected);
  });

  it('evaluates without parsing again (one compile, many events)', () => {
    const expression = compileCesql("type LIKE 'io.stockflow.%' AND region IN ('eu', 'us')");
    expect(expression.matches(event)).toBe(true);
    expect(expression.matches({ ...event, region: 'ap' })).toBe(false);
    expect(expression.text).toBe("type LIKE 'io.stockflow.%' AND region IN ('eu', 'us')");
  });
});
