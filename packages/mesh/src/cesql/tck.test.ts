/**
 * The CESQL v1 TCK (cloudevents/spec `cesql/cesql_tck/*.yaml` at tag cesql@v1.0.0, unchanged since),
 * every case as a row: the expression, the event it runs on, and the expected value and error kind.
 * A case without an event runs on FULL_EVENT with its overrides, as the TCK's README asks ("any valid
 * event"). A `parse` error means compileCesql refuses the expression.
 */
import { describe, expect, it } from 'vitest';
import {
  type CesqlErrorKind,
  type CesqlEvent,
  CesqlParseError,
  type CesqlValue,
  compileCesql,
} from './index.ts';

interface TckCase {
  name: string;
  expression: string;
  result?: CesqlValue;
  error?: CesqlErrorKind;
  /** The whole input event. */
  event?: CesqlEvent;
  /** Attributes set on FULL_EVENT. */
  overrides?: CesqlEvent;
}

/** A valid event with every optional context attribute set and no extensions. */
const FULL_EVENT: CesqlEvent = {
  specversion: '1.0',
  id: 'full-event',
  source: 'http://example.com/source',
  type: 'com.example.full',
  subject: 'topic',
  time: '2026-01-02T03:04:05Z',
  datacontenttype: 'application/json',
  dataschema: 'http://example.com/schema',
};

const TCK: Record<string, TckCase[]> = {
  // binary_comparison_operators.yaml: Binary comparison operations
  'binary_comparison_operators.yaml': [
    { name: 'True is equal to false', expression: 'TRUE = FALSE', result: false },
    { name: 'False is equal to false', expression: 'FALSE = FALSE', result: true },
    { name: '1 is equal to 2', expression: '1 = 2', result: false },
    { name: '2 is equal to 2', expression: '2 = 2', result: true },
    { name: 'abc is equal to 123', expression: "'abc' = '123'", result: false },
    { name: 'abc is equal to abc', expression: "'abc' = 'abc'", result: true },
    {
      name: 'Equals operator returns false when encountering a missing attribute',
      expression: 'missing = 2',
      result: false,
      error: 'missingAttribute',
    },
    { name: 'True is not equal to false', expression: 'TRUE != FALSE', result: true },
    { name: 'False is not equal to false', expression: 'FALSE != FALSE', result: false },
    { name: '1 is not equal to 2', expression: '1 != 2', result: true },
    { name: '2 is not equal to 2', expression: '2 != 2', result: false },
    { name: 'abc is not equal to 123', expression: "'abc' != '123'", result: true },
    { name: 'abc is not equal to abc', expression: "'abc' != 'abc'", result: false },
    {
      name: 'Not equal operator returns false when encountering a missing attribute',
      expression: 'missing != 2',
      result: false,
      error: 'missingAttribute',
    },
    { name: 'True is not equal to false (diamond operator)', expression: 'TRUE <> FALSE', result: true },
    { name: 'False is not equal to false (diamond operator)', expression: 'FALSE <> FALSE', result: false },
    { name: '1 is not equal to 2 (diamond operator)', expression: '1 <> 2', result: true },
    { name: '2 is not equal to 2 (diamond operator)', expression: '2 <> 2', result: false },
    { name: 'abc is not equal to 123 (diamond operator)', expression: "'abc' <> '123'", result: true },
    { name: 'abc is not equal to abc (diamond operator)', expression: "'abc' <> 'abc'", result: false },
    {
      name: 'Diamond operator returns false when encountering a missing attribute',
      expression: 'missing <> 2',
      result: false,
      error: 'missingAttribute',
    },
    { name: '1 is less or equal than 2', expression: '2 <= 2', result: true },
    { name: '3 is less or equal than 2', expression: '3 <= 2', result: false },
    { name: '1 is less than 2', expression: '1 < 2', result: true },
    { name: '2 is less than 2', expression: '2 < 2', result: false },
    { name: '2 is greater or equal than 2', expression: '2 >= 2', result: true },
    { name: '2 is greater or equal than 3', expression: '2 >= 3', result: false },
    { name: '2 is greater than 1', expression: '2 > 1', result: true },
    { name: '2 is greater than 2', expression: '2 > 2', result: false },
    {
      name: 'Less than or equal operator returns false when encountering a missing attribute',
      expression: 'missing <= 2',
      result: false,
      error: 'missingAttribute',
    },
    { name: 'implicit casting with string as right type', expression: "true = 'TRUE'", result: false },
    { name: 'implicit casting with boolean as right type', expression: "'TRUE' = true", result: true },
  ],
  // binary_logical_operators.yaml: Binary logical operations
  'binary_logical_operators.yaml': [
    { name: 'False and false', expression: 'FALSE AND FALSE', result: false },
    { name: 'False and true', expression: 'FALSE AND TRUE', result: false },
    { name: 'True and false', expression: 'TRUE AND FALSE', result: false },
    { name: 'True and true', expression: 'TRUE AND TRUE', result: true },
    { name: 'AND operator is short circuit evaluated', expression: 'false and (1 != 1 / 0)', result: false },
    {
      name: 'AND operator is NOT short circuit evaluated when the first operand evaluates to true',
      expression: 'true and (1 != 1 / 0)',
      result: false,
      error: 'math',
    },
    { name: 'False or false', expression: 'FALSE OR FALSE', result: false },
    { name: 'False or true', expression: 'FALSE OR TRUE', result: true },
    { name: 'True or false', expression: 'TRUE OR FALSE', result: true },
    { name: 'True or true', expression: 'TRUE OR TRUE', result: true },
    { name: 'OR operator is short circuit evaluated', expression: 'true or (1 != 1 / 0)', result: true },
    {
      name: 'OR operator is NOT short circuit evaluated when the first operand evaluates to false',
      expression: 'false or (1 != 1 / 0)',
      result: false,
      error: 'math',
    },
    { name: 'False xor false', expression: 'FALSE XOR FALSE', result: false },
    { name: 'False xor true', expression: 'FALSE XOR TRUE', result: true },
    { name: 'True xor false', expression: 'TRUE XOR FALSE', result: true },
    { name: 'True xor true', expression: 'TRUE XOR TRUE', result: false },
  ],
  // binary_math_operators.yaml: Binary math operations
  'binary_math_operators.yaml': [
    { name: 'Operator precedence without parenthesis', expression: '4 * 2 + 4 / 2', result: 10 },
    { name: 'Operator precedence with parenthesis', expression: '4 * (2 + 4) / 2', result: 12 },
    { name: 'Truncated division', expression: '5 / 3', result: 1 },
    { name: 'Division by zero returns 0 and fail', expression: '5 / 0', result: 0, error: 'math' },
    { name: 'Module', expression: '5 % 2', result: 1 },
    { name: 'Module by zero returns 0 and fail', expression: '5 % 0', result: 0, error: 'math' },
    {
      name: 'Missing attribute in division results in missing attribute error, not divide by 0 error',
      expression: 'missing / 0',
      result: 0,
      error: 'missingAttribute',
    },
    {
      name: 'Missing attribute in modulo results in missing attribute error, not divide by 0 error',
      expression: 'missing % 0',
      result: 0,
      error: 'missingAttribute',
    },
    { name: 'Positive plus positive number', expression: '4 + 1', result: 5 },
    { name: 'Negative plus positive number', expression: '-4 + 1', result: -3 },
    { name: 'Negative plus Negative number', expression: '-4 + -1', result: -5 },
    { name: 'Positive plus negative number', expression: '4 + -1', result: 3 },
    { name: 'Positive minus positive number', expression: '4 - 1', result: 3 },
    { name: 'Negative minus positive number', expression: '-4 - 1', result: -5 },
    { name: 'Implicit casting, with left value string', expression: "'5' + 3", result: 8 },
    { name: 'Implicit casting, with right value string', expression: "5 + '3'", result: 8 },
    { name: 'Implicit casting, with both values string', expression: "'5' + '3'", result: 8 },
    { name: 'Implicit casting, with boolean value', expression: '5 + TRUE', result: 6 },
  ],
  // case_sensitivity.yaml: Case sensitivity
  'case_sensitivity.yaml': [
    { name: 'true', expression: 'true', result: true },
    { name: 'true', expression: 'true', result: true },
    { name: 'tRuE', expression: 'tRuE', result: true },
    { name: 'false', expression: 'false', result: false },
    { name: 'false', expression: 'false', result: false },
    { name: 'FaLsE', expression: 'FaLsE', result: false },
    { name: 'String literals casing preserved', expression: "'aBcD'", result: 'aBcD' },
  ],
  // casting_functions.yaml: Casting functions
  'casting_functions.yaml': [
    { name: "Cast '1' to integer", expression: "INT('1')", result: 1 },
    { name: "Cast '-1' to integer", expression: "INT('-1')", result: -1 },
    { name: 'Cast identity 1', expression: 'INT(1)', result: 1 },
    { name: 'Cast identity -1', expression: 'INT(-1)', result: -1 },
    { name: 'Cast from TRUE to int', expression: 'INT(TRUE)', result: 1 },
    { name: 'Cast from FALSE to int', expression: 'INT(FALSE)', result: 0 },
    { name: 'Invalid cast from string to int', expression: "INT('ABC')", result: 0, error: 'cast' },
    { name: "Cast 'TRUE' to boolean", expression: "BOOL('TRUE')", result: true },
    { name: 'Cast "false" to boolean', expression: 'BOOL("false")', result: false },
    { name: 'Cast identity TRUE', expression: 'BOOL(TRUE)', result: true },
    { name: 'Cast identity FALSE', expression: 'BOOL(FALSE)', result: false },
    { name: 'Invalid cast from string to boolean', expression: "BOOL('ABC')", result: false, error: 'cast' },
    { name: 'Cast from 1 to boolean', expression: 'BOOL(1)', result: true },
    { name: 'Cast from 0 to boolean', expression: 'BOOL(0)', result: false },
    { name: 'Cast from 100 to boolean', expression: 'BOOL(100)', result: true },
    { name: 'Cast from -50 to boolean', expression: 'BOOL(-50)', result: true },
    { name: 'Cast TRUE to string', expression: 'STRING(TRUE)', result: 'true' },
    { name: 'Cast FALSE to string', expression: 'STRING(FALSE)', result: 'false' },
    { name: 'Cast 1 to string', expression: 'STRING(1)', result: '1' },
    { name: 'Cast -1 to string', expression: 'STRING(-1)', result: '-1' },
    { name: 'Cast identity "abc"', expression: 'STRING("abc")', result: 'abc' },
  ],
  // context_attributes_access.yaml: Context attributest test
  'context_attributes_access.yaml': [
    { name: 'Access to required attribute', expression: 'id', result: 'myId', overrides: { id: 'myId' } },
    {
      name: 'Access to optional attribute',
      expression: 'subject',
      result: 'mySubject',
      overrides: { subject: 'mySubject' },
    },
    {
      name: 'Absent optional attribute',
      expression: 'subject',
      result: false,
      error: 'missingAttribute',
      event: { specversion: '1.0', id: 'myId', source: 'localhost.localdomain', type: 'myType' },
    },
    {
      name: 'Access to optional boolean extension',
      expression: 'mybool',
      result: true,
      overrides: { mybool: true },
    },
    {
      name: 'Access to optional integer extension',
      expression: 'myint',
      result: 10,
      overrides: { myint: 10 },
    },
    {
      name: 'Access to optional string extension',
      expression: 'myext',
      result: 'my extension',
      overrides: { myext: 'my extension' },
    },
    {
      name: 'URL type cohercion to string',
      expression: 'source',
      result: 'http://localhost/source',
      event: { specversion: '1.0', id: 'myId', source: 'http://localhost/source', type: 'myType' },
    },
    {
      name: 'Timestamp type cohercion to string',
      expression: 'time',
      result: '2018-04-26T14:48:09+02:00',
      event: {
        specversion: '1.0',
        id: 'myId',
        source: 'http://localhost/source',
        type: 'myType',
        time: '2018-04-26T14:48:09+02:00',
      },
    },
  ],
  // exists_expression.yaml: Exists expression
  'exists_expression.yaml': [
    {
      name: 'required attributes always exist',
      expression: 'EXISTS specversion AND EXISTS id AND EXISTS type AND EXISTS SOURCE',
      result: true,
    },
    {
      name: 'optional attribute available',
      expression: 'EXISTS time',
      result: true,
      event: {
        specversion: '1.0',
        id: 'myId',
        source: 'http://localhost/source',
        type: 'myType',
        time: '2018-04-26T14:48:09+02:00',
      },
    },
    {
      name: 'optional attribute absent',
      expression: 'EXISTS time',
      result: false,
      event: { specversion: '1.0', id: 'myId', source: 'http://localhost/source', type: 'myType' },
    },
    {
      name: 'optional attribute absent (negated)',
      expression: 'NOT EXISTS time',
      result: true,
      event: { specversion: '1.0', id: 'myId', source: 'http://localhost/source', type: 'myType' },
    },
    {
      name: 'optional extension available',
      expression: 'EXISTS myext',
      result: true,
      event: {
        specversion: '1.0',
        id: 'myId',
        source: 'http://localhost/source',
        type: 'myType',
        myext: 'my value',
      },
    },
    {
      name: 'optional extension absent',
      expression: 'EXISTS myext',
      result: false,
      event: { specversion: '1.0', id: 'myId', source: 'http://localhost/source', type: 'myType' },
    },
    {
      name: 'optional extension absent (negated)',
      expression: 'NOT EXISTS myext',
      result: true,
      event: { specversion: '1.0', id: 'myId', source: 'http://localhost/source', type: 'myType' },
    },
  ],
  // in_expression.yaml: In expression
  'in_expression.yaml': [
    { name: 'int in int set', expression: '123 IN (1, 2, 3, 12, 13, 23, 123)', result: true },
    { name: 'int not in int set', expression: '123 NOT IN (1, 2, 3, 12, 13, 23, 123)', result: false },
    { name: 'string in string set', expression: "'abc' IN ('abc', \"bcd\")", result: true },
    { name: 'string not in string set', expression: "'aaa' IN ('abc', \"bcd\")", result: false },
    { name: 'bool in bool set', expression: 'TRUE IN (TRUE, FALSE)', result: true },
    { name: 'bool not in bool set', expression: 'TRUE IN (FALSE)', result: false },
    {
      name: 'mix literals and identifiers (1)',
      expression: "source IN (myext, 'abc')",
      result: true,
      event: {
        specversion: '1.0',
        id: 'myId',
        source: 'http://localhost/source',
        type: 'myType',
        myext: 'http://localhost/source',
      },
    },
    {
      name: 'mix literals and identifiers (2)',
      expression: 'source IN (source)',
      result: true,
      event: {
        specversion: '1.0',
        id: 'myId',
        source: 'http://localhost/source',
        type: 'myType',
        myext: 'http://localhost/source',
      },
    },
    {
      name: 'mix literals and identifiers (3)',
      expression: 'source IN (id, "http://localhost/source")',
      result: true,
      event: {
        specversion: '1.0',
        id: 'myId',
        source: 'http://localhost/source',
        type: 'myType',
        myext: 'http://localhost/source',
      },
    },
    {
      name: 'mix literals and identifiers (4)',
      expression: "source IN (id, 'xyz')",
      result: false,
      event: { specversion: '1.0', id: 'myId', source: 'http://localhost/source', type: 'myType' },
    },
    { name: 'type coercion with booleans (1)', expression: "'true' IN (TRUE, 'false')", result: true },
    { name: 'type coercion with booleans (2)', expression: "'true' IN ('TRUE', 'false')", result: false },
    { name: 'type coercion with booleans (3)', expression: "TRUE IN ('true', 'false')", result: true },
    { name: 'type coercion with booleans (4)', expression: "'TRUE' IN (TRUE, 'false')", result: false },
    { name: 'type coercion with int (1)', expression: "1 IN ('1', '2')", result: true },
    { name: 'type coercion with int (2)', expression: "'1' IN (1, 2)", result: true },
  ],
  // integer_builtin_functions.yaml: Integer builtin functions
  'integer_builtin_functions.yaml': [
    { name: 'ABS (1)', expression: 'ABS(10)', result: 10 },
    { name: 'ABS (2)', expression: 'ABS(-10)', result: 10 },
    { name: 'ABS (3)', expression: 'ABS(0)', result: 0 },
    { name: 'ABS overflow', expression: 'ABS(-2147483648)', result: 2147483647, error: 'math' },
  ],
  // like_expression.yaml: Like expression
  'like_expression.yaml': [
    { name: 'Exact match (1)', expression: "'abc' LIKE 'abc'", result: true },
    { name: 'Exact match (2)', expression: "'ab\\c' LIKE 'ab\\c'", result: true },
    { name: 'Exact match (negate)', expression: "'abc' NOT LIKE 'abc'", result: false },
    { name: 'Percentage operator (1)', expression: "'abc' LIKE 'a%b%c'", result: true },
    { name: 'Percentage operator (2)', expression: "'azbc' LIKE 'a%b%c'", result: true },
    { name: 'Percentage operator (3)', expression: "'azzzbzzzc' LIKE 'a%b%c'", result: true },
    { name: 'Percentage operator (4)', expression: "'a%b%c' LIKE 'a%b%c'", result: true },
    { name: 'Percentage operator (5)', expression: "'ac' LIKE 'abc'", result: false },
    { name: 'Percentage operator (6)', expression: "'' LIKE 'abc'", result: false },
    { name: 'Percentage operator (7)', expression: "'.ab.cde.' LIKE '.%.%.'", result: true },
    { name: 'Percentage operator (8)', expression: "'ab.cde' LIKE '.%.%.'", result: false },
    { name: 'Underscore operator (1)', expression: "'abc' LIKE 'a_b_c'", result: false },
    { name: 'Underscore operator (2)', expression: "'a_b_c' LIKE 'a_b_c'", result: true },
    { name: 'Underscore operator (3)', expression: "'abzc' LIKE 'a_b_c'", result: false },
    { name: 'Underscore operator (4)', expression: "'azbc' LIKE 'a_b_c'", result: false },
    { name: 'Underscore operator (5)', expression: "'azbzc' LIKE 'a_b_c'", result: true },
    { name: 'Underscore operator (6)', expression: "'.a.b.' LIKE '._._.'", result: true },
    { name: 'Underscore operator (7)', expression: "'abcd.' LIKE '._._.'", result: false },
    { name: 'Escaped underscore wildcards (1)', expression: "'a_b_c' LIKE 'a\\_b\\_c'", result: true },
    { name: 'Escaped underscore wildcards (2)', expression: "'a_b_c' NOT LIKE 'a\\_b\\_c'", result: false },
    { name: 'Escaped underscore wildcards (3)', expression: "'azbzc' LIKE 'a\\_b\\_c'", result: false },
    { name: 'Escaped underscore wildcards (4)', expression: "'abc' LIKE 'a\\_b\\_c'", result: false },
    { name: 'Escaped percentage wildcards (1)', expression: "'abc' LIKE 'a\\%b\\%c'", result: false },
    { name: 'Escaped percentage wildcards (2)', expression: "'a%b%c' LIKE 'a\\%b\\%c'", result: true },
    { name: 'Escaped percentage wildcards (3)', expression: "'azbzc' LIKE 'a\\%b\\%c'", result: false },
    { name: 'Escaped percentage wildcards (4)', expression: "'abc' LIKE 'a\\%b\\%c'", result: false },
    {
      name: 'With access to event attributes',
      expression: "myext LIKE 'abc%123\\%456\\_d_f'",
      result: true,
      overrides: { myext: 'abc123123%456_dzf' },
    },
    {
      name: 'With access to event attributes (negated)',
      expression: "myext NOT LIKE 'abc%123\\%456\\_d_f'",
      result: false,
      overrides: { myext: 'abc123123%456_dzf' },
    },
    { name: 'With type coercion from int (1)', expression: "234 LIKE '23_'", result: true },
    { name: 'With type coercion from int (2)', expression: "2344 LIKE '23%'", result: true },
    { name: 'With type coercion from int (3)', expression: "2344 LIKE '23_'", result: false },
    { name: 'With type coercion from bool (1)', expression: "TRUE LIKE 'tr%'", result: true },
    { name: 'With type coercion from bool (2)', expression: "TRUE LIKE '%ue'", result: true },
    { name: 'With type coercion from bool (3)', expression: "FALSE LIKE 'tr%'", result: false },
    { name: 'With type coercion from bool (4)', expression: "FALSE LIKE 'fal%'", result: true },
    {
      name: 'Invalid string literal in comparison causes parse error',
      expression: 'x LIKE 123',
      error: 'parse',
      overrides: { x: '123' },
    },
    {
      name: 'Missing attribute returns empty string',
      expression: "missing LIKE 'missing'",
      result: false,
      error: 'missingAttribute',
    },
  ],
  // literals.yaml: Literals
  'literals.yaml': [
    { name: 'TRUE literal', expression: 'true', result: true },
    { name: 'FALSE literal', expression: 'false', result: false },
    { name: '0 literal', expression: '0', result: 0 },
    { name: '1 literal', expression: '1', result: 1 },
    { name: 'String literal single quoted', expression: "'abc'", result: 'abc' },
    { name: 'String literal double quoted', expression: '"abc"', result: 'abc' },
    { name: 'String literal single quoted with case', expression: "'aBc'", result: 'aBc' },
    { name: 'String literal double quoted with case', expression: '"AbC"', result: 'AbC' },
    { name: 'Escaped string literal (1)', expression: "'a\"b\\'c'", result: 'a"b\'c' },
    { name: 'Escaped string literal (2)', expression: '"a\'b\\"c"', result: 'a\'b"c' },
  ],
  // negate_operator.yaml: Negate operator
  'negate_operator.yaml': [
    { name: 'Minus 10', expression: '-10', result: -10 },
    { name: 'Minus minus 10', expression: '--10', result: 10 },
    { name: 'Minus 10 with casting', expression: "-'10'", result: -10 },
    { name: 'Minus minus 10 with casting', expression: "--'10'", result: 10 },
    { name: 'Minus with boolean cast', expression: '-TRUE', result: -1 },
    { name: 'Minus with missing attribute', expression: '-missing', result: 0, error: 'missingAttribute' },
  ],
  // not_operator.yaml: Not operator
  'not_operator.yaml': [
    { name: 'Not true', expression: 'NOT TRUE', result: false },
    { name: 'Not false', expression: 'NOT FALSE', result: true },
    { name: 'Not true with casting', expression: "NOT 'TRUE'", result: false },
    { name: 'Not false 10 with casting', expression: "NOT 'FALSE'", result: true },
    // The TCK says `true` and a CastError, but spec §3.7 makes Integer -> Boolean a cast every engine
    // MUST support (10 is true, so NOT 10 is false) and the Go SDK's copy of the TCK expects exactly that.
    { name: 'Invalid int cast', expression: 'NOT 10', result: false },
    { name: 'Not missing attribute', expression: 'NOT missing', result: false, error: 'missingAttribute' },
  ],
  // parse_errors.yaml: Parsing errors
  'parse_errors.yaml': [{ name: 'No closed parenthesis', expression: 'ABC(', error: 'parse' }],
  // spec_examples.yaml: Specification examples
  'spec_examples.yaml': [
    {
      name: 'Case insensitive hops (1)',
      expression: 'int(hop) < int(ttl) and int(hop) < 1000',
      result: true,
      overrides: { hop: '5', ttl: '10' },
    },
    {
      name: 'Case insensitive hops (2)',
      expression: 'INT(hop) < INT(ttl) AND INT(hop) < 1000',
      result: true,
      overrides: { hop: '5', ttl: '10' },
    },
    {
      name: 'Case insensitive hops (3)',
      expression: 'hop < ttl',
      result: true,
      overrides: { hop: '5', ttl: '10' },
    },
    {
      name: 'Equals with casting (1)',
      expression: 'sequence = 5',
      result: true,
      overrides: { sequence: '5' },
    },
    {
      name: 'Equals with casting (2)',
      expression: 'sequence = 5',
      result: false,
      overrides: { sequence: '6' },
    },
    {
      name: 'Logic expression (1)',
      expression: "firstname = 'Francesco' OR subject = 'Francesco'",
      result: true,
      overrides: { subject: 'Francesco', firstname: 'Doug' },
    },
    {
      name: 'Logic expression (2)',
      expression: "firstname = 'Francesco' OR subject = 'Francesco'",
      result: true,
      overrides: { firstname: 'Francesco', subject: 'Doug' },
    },
    {
      name: 'Logic expression (3)',
      expression: "(firstname = 'Francesco' AND lastname = 'Guardiani') OR subject = 'Francesco Guardiani'",
      result: true,
      overrides: { subject: 'Doug', firstname: 'Francesco', lastname: 'Guardiani' },
    },
    {
      name: 'Logic expression (4)',
      expression: "(firstname = 'Francesco' AND lastname = 'Guardiani') OR subject = 'Francesco Guardiani'",
      result: true,
      overrides: { subject: 'Francesco Guardiani', firstname: 'Doug', lastname: 'Davis' },
    },
    {
      name: 'Subject exists',
      expression: 'EXISTS subject',
      result: true,
      overrides: { subject: 'Francesco Guardiani' },
    },
    {
      name: 'Missing attribute (1)',
      expression: 'true AND (missing = "")',
      result: false,
      error: 'missingAttribute',
    },
    { name: 'Missing attribute (2)', expression: 'missing * 5', result: 0, error: 'missingAttribute' },
    { name: 'Missing attribute (3)', expression: '1 / missing', result: 0, error: 'missingAttribute' },
  ],
  // string_builtin_functions.yaml: String builtin functions
  'string_builtin_functions.yaml': [
    { name: 'LENGTH (1)', expression: "LENGTH('abc')", result: 3 },
    { name: 'LENGTH (2)', expression: "LENGTH('')", result: 0 },
    { name: 'LENGTH (3)', expression: "LENGTH('2')", result: 1 },
    { name: 'LENGTH (4)', expression: 'LENGTH(TRUE)', result: 4 },
    { name: 'CONCAT (1)', expression: "CONCAT('a', 'b', 'c')", result: 'abc' },
    { name: 'CONCAT (2)', expression: 'CONCAT()', result: '' },
    { name: 'CONCAT (3)', expression: "CONCAT('a')", result: 'a' },
    { name: 'CONCAT_WS (1)', expression: "CONCAT_WS(',', 'a', 'b', 'c')", result: 'a,b,c' },
    { name: 'CONCAT_WS (2)', expression: "CONCAT_WS(',')", result: '' },
    { name: 'CONCAT_WS (3)', expression: "CONCAT_WS(',', 'a')", result: 'a' },
    {
      name: "CONCAT_WS without arguments doesn't exist",
      expression: 'CONCAT_WS()',
      result: false,
      error: 'missingFunction',
    },
    { name: 'LOWER (1)', expression: "LOWER('ABC')", result: 'abc' },
    { name: 'LOWER (2)', expression: "LOWER('AbC')", result: 'abc' },
    { name: 'LOWER (3)', expression: "LOWER('abc')", result: 'abc' },
    { name: 'UPPER (1)', expression: "UPPER('ABC')", result: 'ABC' },
    { name: 'UPPER (2)', expression: "UPPER('AbC')", result: 'ABC' },
    { name: 'UPPER (3)', expression: "UPPER('abc')", result: 'ABC' },
    { name: 'TRIM (1)', expression: "TRIM('   a b c   ')", result: 'a b c' },
    { name: 'TRIM (2)', expression: "TRIM('   a b c')", result: 'a b c' },
    { name: 'TRIM (3)', expression: "TRIM('a b c   ')", result: 'a b c' },
    { name: 'TRIM (4)', expression: "TRIM('a b c')", result: 'a b c' },
    { name: 'LEFT (1)', expression: "LEFT('abc', 2)", result: 'ab' },
    { name: 'LEFT (2)', expression: "LEFT('abc', 10)", result: 'abc' },
    { name: 'LEFT (3)', expression: "LEFT('', 0)", result: '' },
    { name: 'LEFT (4)', expression: "LEFT('abc', -2)", result: 'abc', error: 'functionEvaluation' },
    { name: 'RIGHT (1)', expression: "RIGHT('abc', 2)", result: 'bc' },
    { name: 'RIGHT (2)', expression: "RIGHT('abc', 10)", result: 'abc' },
    { name: 'RIGHT (3)', expression: "RIGHT('', 0)", result: '' },
    { name: 'RIGHT (4)', expression: "RIGHT('abc', -2)", result: 'abc', error: 'functionEvaluation' },
    { name: 'SUBSTRING (1)', expression: "SUBSTRING('abcdef', 1)", result: 'abcdef' },
    { name: 'SUBSTRING (2)', expression: "SUBSTRING('abcdef', 2)", result: 'bcdef' },
    { name: 'SUBSTRING (3)', expression: "SUBSTRING('Quadratically', 5)", result: 'ratically' },
    { name: 'SUBSTRING (4)', expression: "SUBSTRING('Sakila', -3)", result: 'ila' },
    { name: 'SUBSTRING (5)', expression: "SUBSTRING('abcdef', 1, 6)", result: 'abcdef' },
    { name: 'SUBSTRING (6)', expression: "SUBSTRING('abcdef', 2, 4)", result: 'bcde' },
    { name: 'SUBSTRING (7)', expression: "SUBSTRING('Sakila', -5, 3)", result: 'aki' },
    { name: 'SUBSTRING (8)', expression: "SUBSTRING('Quadratically', 0)", result: '' },
    { name: 'SUBSTRING (9)', expression: "SUBSTRING('Quadratically', 0, 1)", result: '' },
    {
      name: 'SUBSTRING (10)',
      expression: "SUBSTRING('abcdef', 10)",
      result: '',
      error: 'functionEvaluation',
    },
    {
      name: 'SUBSTRING (11)',
      expression: "SUBSTRING('abcdef', -10)",
      result: '',
      error: 'functionEvaluation',
    },
    {
      name: 'SUBSTRING (12)',
      expression: "SUBSTRING('abcdef', 10, 10)",
      result: '',
      error: 'functionEvaluation',
    },
    {
      name: 'SUBSTRING (13)',
      expression: "SUBSTRING('abcdef', -10, 10)",
      result: '',
      error: 'functionEvaluation',
    },
  ],
  // sub_expression.yaml: Sub expressions
  'sub_expression.yaml': [
    { name: 'Sub expression with literal', expression: '(TRUE)', result: true },
    { name: 'Math (1)', expression: '4 * (2 + 3)', result: 20 },
    { name: 'Math (2)', expression: '(2 + 3) * 4', result: 20 },
  ],
  // subscriptions_api_recreations.yaml: SubscriptionsAPI Recreations
  'subscriptions_api_recreations.yaml': [
    {
      name: 'Prefix filter (1)',
      expression: "source LIKE 'https://%'",
      result: true,
      overrides: { source: 'https://example.com' },
    },
    {
      name: 'Prefix filter (2)',
      expression: "source LIKE 'https://%'",
      result: false,
      overrides: { source: 'http://example.com' },
    },
    {
      name: 'Prefix filter on string extension',
      expression: "myext LIKE 'custom%'",
      result: true,
      overrides: { myext: 'customext' },
    },
    {
      name: 'Prefix filter on missing string extension',
      expression: "myext LIKE 'custom%'",
      result: false,
      error: 'missingAttribute',
    },
    {
      name: 'Suffix filter (1)',
      expression: "type like '%.error'",
      result: true,
      overrides: { type: 'com.github.error' },
    },
    {
      name: 'Suffix filter (2)',
      expression: "type like '%.error'",
      result: false,
      overrides: { type: 'com.github.success' },
    },
    {
      name: 'Suffix filter on string extension',
      expression: "myext LIKE '%ext'",
      result: true,
      overrides: { myext: 'customext' },
    },
    {
      name: 'Suffix filter on missing string extension',
      expression: "myext LIKE '%ext'",
      result: false,
      error: 'missingAttribute',
    },
    { name: 'Exact filter (1)', expression: "id = 'myId'", result: true, overrides: { id: 'myId' } },
    { name: 'Exact filter  (2)', expression: "id = 'myId'", result: false, overrides: { id: 'notmyId' } },
    {
      name: 'Exact filter on string extension',
      expression: "myext = 'customext'",
      result: true,
      overrides: { myext: 'customext' },
    },
    {
      name: 'Exact filter on missing string extension',
      expression: "myext = 'customext'",
      result: false,
      error: 'missingAttribute',
    },
    {
      name: 'Prefix filter AND Suffix filter (1)',
      expression: "id LIKE 'my%' AND source LIKE '%.ca'",
      result: true,
      overrides: { id: 'myId', source: 'http://www.some-website.ca' },
    },
    {
      name: 'Prefix filter AND Suffix filter (2)',
      expression: "id LIKE 'my%' AND source LIKE '%.ca'",
      result: false,
      overrides: { id: 'myId', source: 'http://www.some-website.com' },
    },
    {
      name: 'Prefix filter AND Suffix filter (3)',
      expression: "myext LIKE 'custom%' AND type LIKE '%.error'",
      result: true,
      overrides: { myext: 'customext', type: 'com.github.error' },
    },
    {
      name: 'Prefix AND Suffix filter (4)',
      expression: "type LIKE 'example.%' AND myext LIKE 'custom%'",
      result: false,
      error: 'missingAttribute',
      overrides: { type: 'example.event.type' },
    },
    {
      name: 'Prefix OR Suffix filter (1)',
      expression: "id LIKE 'my%' OR source LIKE '%.ca'",
      result: true,
      overrides: { id: 'myId', source: 'http://www.some-website.ca' },
    },
    {
      name: 'Prefix OR Suffix filter (2)',
      expression: "id LIKE 'my%' OR source LIKE '%.ca'",
      result: true,
      overrides: { id: 'myId', source: 'http://www.some-website.com' },
    },
    {
      name: 'Prefix OR Suffix filter (3)',
      expression: "id LIKE 'my%' OR source LIKE '%.ca'",
      result: true,
      overrides: { id: 'notmyId', source: 'http://www.some-website.ca' },
    },
    {
      name: 'Prefix OR Suffix filter (4)',
      expression: "id LIKE 'my%' OR source LIKE '%.ca'",
      result: false,
      overrides: { id: 'notmyId', source: 'http://www.some-website.com' },
    },
    {
      name: 'Disjunctive Normal Form (1)',
      expression:
        "(id = 'myId' AND type LIKE '%.success') OR (id = 'notmyId' AND source LIKE 'http://%' AND type LIKE '%.warning')",
      result: true,
      overrides: { id: 'myId', type: 'example.event.success' },
    },
    {
      name: 'Disjunctive Normal Form (2)',
      expression:
        "(id = 'myId' AND type LIKE '%.success') OR (id = 'notmyId' AND source LIKE 'http://%' AND type LIKE '%.warning')",
      result: true,
      overrides: { id: 'notmyId', type: 'example.event.warning', source: 'http://localhost.localdomain' },
    },
    {
      name: 'Disjunctive Normal Form (3)',
      expression:
        "(id = 'myId' AND type LIKE '%.success') OR (id = 'notmyId' AND source LIKE 'http://%' AND type LIKE '%.warning')",
      result: false,
      overrides: { id: 'notmyId', type: 'example.event.warning', source: 'https://localhost.localdomain' },
    },
    {
      name: 'Conjunctive Normal Form (1)',
      expression:
        "(id = 'myId' OR type LIKE '%.success') AND (id = 'notmyId' OR source LIKE 'https://%' OR type LIKE '%.warning')",
      result: true,
      overrides: { id: 'myId', type: 'example.event.warning', source: 'http://localhost.localdomain' },
    },
    {
      name: 'Conjunctive Normal Form (2)',
      expression:
        "(id = 'myId' OR type LIKE '%.success') AND (id = 'notmyId' OR source LIKE 'https://%' OR type LIKE '%.warning')",
      result: true,
      overrides: { id: 'notmyId', type: 'example.event.success', source: 'http://localhost.localdomain' },
    },
    {
      name: 'Conjunctive Normal Form (3)',
      expression:
        "(id = 'myId' OR type LIKE '%.success') AND (id = 'notmyId' OR source LIKE 'https://%' OR type LIKE '%.warning')",
      result: false,
      overrides: { id: 'notmyId', type: 'example.event.warning', source: 'http://localhost.localdomain' },
    },
    {
      name: 'Conjunctive Normal Form (4)',
      expression:
        "(id = 'myId' OR type LIKE '%.success') AND (id = 'notmyId' OR source LIKE 'https://%' OR type LIKE '%.warning')",
      result: false,
      overrides: { id: 'myId', type: 'example.event.success', source: 'http://localhost.localdomain' },
    },
    {
      name: 'Conjunctive Normal Form (5)',
      expression:
        "(id = 'myId' OR type LIKE '%.success') AND (id = 'notmyId' OR source LIKE 'https://%' OR type LIKE '%.warning') AND (myext = 'customext')",
      result: false,
      error: 'missingAttribute',
      overrides: { id: 'myId', type: 'example.event.warning', source: 'http://localhost.localdomain' },
    },
  ],
};

for (const [file, cases] of Object.entries(TCK)) {
  describe(`CESQL TCK ${file}`, () => {
    it.each(cases)('$name: $expression', ({ expression, result, error, event, overrides }) => {
      if (error === 'parse') {
        expect(() => compileCesql(expression)).toThrow(CesqlParseError);
        return;
      }
      const outcome = compileCesql(expression).evaluate(event ?? { ...FULL_EVENT, ...overrides });
      expect(outcome.value).toStrictEqual(result);
      expect(outcome.error?.kind).toBe(error);
    });
  });
}

it('covers all 275 cases of the 18 TCK files', () => {
  expect(Object.keys(TCK)).toHaveLength(18);
  expect(Object.values(TCK).flat()).toHaveLength(275);
});
