/**
 * @module Query strings: read through a schema (a 400 problem listing the bad parameters otherwise),
 * page sizes, and opaque keyset cursors: the sort values of a page's last item, as base64url JSON,
 * handed back by the client to continue after it (Firestore `startAfter`).
 */
import * as z from 'zod/mini';
import { badRequest, invalid } from './problem.ts';

/** The query parameters of a request (first value of each), validated by `schema`; a 400 otherwise. */
export function readQuery<S extends z.ZodMiniType>(
  c: { req: { query(): Record<string, string> } },
  schema: S,
): z.infer<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw invalid(result.error, 'query string');
  return result.data;
}

/** A `limit` parameter: an integer 1..max, `fallback` when absent. */
export function pageLimit({ max = 100, fallback = 24 } = {}) {
  return z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(max)), fallback);
}

export type CursorValue = string | number;

/** The cursor that continues after an item whose sort values are `values`. */
export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The sort values a cursor carries, checked against `schema` (a tuple); a 400 when it is not ours. */
export function decodeCursor<S extends z.ZodMiniType<readonly CursorValue[]>>(
  cursor: string,
  schema: S,
): z.infer<S> {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('The cursor is not one this API gave out.');
  }
  const result = schema.safeParse(values);
  if (!result.success) throw badRequest('The cursor is not one this API gave out.');
  return result.data;
}
