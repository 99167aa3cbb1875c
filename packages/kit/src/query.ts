/**
 * @module Query strings: read through a schema (a 400 problem listing the bad parameters otherwise),
 * page sizes, and opaque keyset cursors: the sort values of a page's last item, as base64url JSON,
 * handed back by the client to continue after it (Firestore `startAfter`); `readPage` does it all
 * for a Firestore query.
 */
import type { DocumentData, Query, QueryDocumentSnapshot, QuerySnapshot } from '@google-cloud/firestore';
import type * as z from 'zod/mini';
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

/** A `limit` parameter: an integer 1..max, `fallback` when absent (a contract of every list). */
export { pageLimit } from '@stockflow/contracts';

export type CursorValue = string | number;

/** The cursor that continues after an item whose sort values are `values`. */
export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

const NOT_OURS = 'The cursor is not one this API gave out.';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The sort values a cursor carries, checked against `schema` (a tuple); a 400 when it is not ours. */
export function decodeCursor<S extends z.ZodMiniType<readonly CursorValue[]>>(
  cursor: string,
  schema: S,
): z.infer<S> {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest(NOT_OURS);
  }
  const result = schema.safeParse(values);
  // A lone surrogate is no string Firestore can send (its query fails as an internal error).
  if (
    !result.success ||
    result.data.some((value) => typeof value === 'string' && LONE_SURROGATE.test(value))
  ) {
    throw badRequest(NOT_OURS);
  }
  return result.data;
}

/**
 * `query` continued after the position a cursor holds (decoded by `schema`, mapped by `toValues`,
 * e.g. milliseconds to a Date); a 400 when Firestore refuses the position (a document id with a
 * slash, an empty one, a time no date holds): the client's word, not our fault.
 */
export function startAfterCursor<S extends z.ZodMiniType<readonly CursorValue[]>>(
  query: Query<DocumentData>,
  cursor: string,
  schema: S,
  toValues: (values: z.infer<S>) => unknown[] = (values) => [...values],
): Query<DocumentData> {
  const values = toValues(decodeCursor(cursor, schema));
  if (values.some((value) => value instanceof Date && Number.isNaN(value.getTime()))) {
    throw badRequest(NOT_OURS);
  }
  try {
    return query.startAfter(...values);
  } catch {
    throw badRequest(NOT_OURS);
  }
}

/** The gRPC status Firestore answers a query it cannot run as asked. */
const INVALID_ARGUMENT = 3;

/** Runs a query that may continue after a client's cursor: a position Firestore refuses is a 400. */
export async function readCursorQuery(
  query: Query<DocumentData>,
  cursor: string | undefined,
): Promise<QuerySnapshot<DocumentData>> {
  try {
    return await query.get();
  } catch (error) {
    if (cursor && (error as { code?: unknown }).code === INVALID_ARGUMENT) throw badRequest(NOT_OURS);
    throw error;
  }
}

export interface PageOptions<T, S extends z.ZodMiniType<readonly CursorValue[]>> {
  limit: number;
  cursor?: string;
  /** What a cursor must hold: the sort values, in the query's `orderBy` order. */
  position: S;
  /** A document's sort values, as `position` describes them. */
  at: (doc: QueryDocumentSnapshot) => readonly CursorValue[];
  item: (doc: QueryDocumentSnapshot) => T;
}

/**
 * One page of a query that is ordered by the fields `at` reads (ending with the document id, so
 * positions are unique), continuing after `cursor`. Reads one document more than the page to know
 * whether another page exists: the last page has no cursor.
 */
export async function readPage<T, S extends z.ZodMiniType<readonly CursorValue[]>>(
  query: Query<DocumentData>,
  { limit, cursor, position, at, item }: PageOptions<T, S>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const from = cursor ? startAfterCursor(query, cursor, position) : query;
  const snap = await readCursorQuery(from.limit(limit + 1), cursor);
  const docs = snap.docs.slice(0, limit);
  const last = docs.at(-1);
  return {
    items: docs.map(item),
    nextCursor: snap.docs.length > limit && last ? encodeCursor(at(last)) : null,
  };
}
