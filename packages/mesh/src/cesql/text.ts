/**
 * @module Strings as CESQL counts them: in characters (Unicode code points), not UTF-16 units, for
 * LENGTH, LEFT, RIGHT, SUBSTRING and LIKE's `_`. A string without surrogate pairs is its own list of
 * characters, so the common case allocates nothing.
 */

/** Indexable characters: the string itself when every character is one UTF-16 unit. */
export type Characters = string | readonly string[];

const SURROGATE = /[\uD800-\uDFFF]/;

export function characters(text: string): Characters {
  return SURROGATE.test(text) ? Array.from(text) : text;
}

export function sliceCharacters(chars: Characters, start: number, end?: number): string {
  return typeof chars === 'string' ? chars.slice(start, end) : chars.slice(start, end).join('');
}
