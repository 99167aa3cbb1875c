/**
 * @module The LIKE operator (CESQL v1 §3.4.3): `%` is any run of characters, `_` exactly one, `\%` and
 * `\_` are the characters themselves, and any other character (a lone `\` included) matches itself,
 * case-sensitively. A pattern is compiled once; plain, prefix and suffix patterns (the SubscriptionsAPI
 * recreations) become string comparisons, the rest a wildcard match in time linear in the text times
 * the pattern (no regular expression, so no backtracking blow-up on a hostile attribute).
 */
import { type Characters, characters } from './text.ts';

const ANY = Symbol('%');
const ONE = Symbol('_');
type PatternItem = string | typeof ANY | typeof ONE;

function items(pattern: string): PatternItem[] {
  const chars = Array.from(pattern);
  const out: PatternItem[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    if (c === '\\' && (next === '%' || next === '_')) {
      out.push(next);
      i++;
    } else out.push(c === '%' ? ANY : c === '_' ? ONE : c);
  }
  return out;
}

/** Greedy wildcard matching that returns to the last `%` when a later item fails. */
function wildcardMatch(text: Characters, pattern: readonly PatternItem[]): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const item = pattern[p];
    if (item === ANY) {
      star = p++;
      resume = t;
    } else if (item !== undefined && (item === ONE || item === text[t])) {
      t++;
      p++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (pattern[p] === ANY) p++;
  return p === pattern.length;
}

export type LikeMatcher = (text: string) => boolean;

export function compileLike(pattern: string): LikeMatcher {
  const parts = items(pattern);
  const isLiteral = (item: PatternItem): item is string => typeof item === 'string';
  const literal = (from: number, to: number) => (parts.slice(from, to) as string[]).join('');
  if (parts.every(isLiteral)) {
    const exact = literal(0, parts.length);
    return (text) => text === exact;
  }
  const last = parts.length - 1;
  if (parts[last] === ANY && parts.slice(0, last).every(isLiteral)) {
    const prefix = literal(0, last);
    return (text) => text.startsWith(prefix);
  }
  if (parts[0] === ANY && parts.slice(1).every(isLiteral)) {
    const suffix = literal(1, parts.length);
    return (text) => text.endsWith(suffix);
  }
  return (text) => wildcardMatch(characters(text), parts);
}
