/**
 * @module What the hostile-input suites share: arbitraries for malformed requests (bodies, content
 * types, path segments, query strings, CloudEvent attributes), the check that an answer is a 4xx
 * problem+json, and a snapshot of a function's whole Firestore database to prove nothing changed.
 */
import type { CollectionReference, Firestore } from '@google-cloud/firestore';
import type { CreateOptions, StockflowFunction } from '@stockflow/kit';
import { asStaff, testEnv } from '@stockflow/kit/testing';
import fc from 'fast-check';
import { afterAll, expect } from 'vitest';

/** Runs per property: enough to find the classic breakages, few enough for CI on two cores. */
export const RUNS = { numRuns: 60 };

/** A manager's staff token for each function the suites test: hostile input from a trusted role. */
export const ADMIN = {
  catalog: await asStaff('catalog', 'manager'),
  inventory: await asStaff('inventory', 'manager'),
  orders: await asStaff('orders', 'manager'),
  ledger: await asStaff('ledger', 'manager'),
};

/**
 * A function in process on a database of its own (`prefix`), accepting the suites' staff tokens; after
 * the file's tests its outbox is drained and it is closed.
 */
export function hostileFunction<C>(
  definition: { create(options: CreateOptions): StockflowFunction<C> },
  prefix: string,
): StockflowFunction<C> {
  const fn = definition.create({ env: testEnv(prefix) });
  afterAll(async () => {
    await fn.rt.outbox.drain(500);
    await fn.rt.close();
  });
  return fn;
}

/** A well-formed JSON request body, as `requestInit` takes it. */
export function jsonBody(value: unknown): { text: string; contentType: string } {
  return { text: JSON.stringify(value), contentType: 'application/json' };
}

/** Unicode strings with the awkward characters over-represented. */
export const nastyString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '%00',
    '%2F',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '\ud800',
    '🛒'.repeat(300),
    'x'.repeat(10_000),
    'null',
    'NaN',
  ),
);

/** Numbers a JSON body may carry that code rarely expects. */
export const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 0.1, 1e-300, 1_000_000_001),
);

/** Any JSON value, with unicode keys and strings, big and odd numbers and some depth. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('__proto__', 'items', 'id')), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

/** A raw request body: JSON of any shape, or text that is not JSON at all. */
export const hostileBodyText = fc.oneof(
  hostileJson.map((value) => JSON.stringify(value) ?? 'null'),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '[1,2',
    'undefined',
    '{"__proto__":{"admin":true}}',
    '1e999',
    '-',
    '\u0000',
    `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
    `{"items":${'['.repeat(2_000)}${']'.repeat(2_000)}}`,
  ),
);

export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/cloudevents+json',
  undefined,
);

/** A hostile body with the content type it is sent as. */
export const hostileRequestBody = fc.record({ text: hostileBodyText, contentType: contentTypes });

/** A path segment a client might send: percent-encoded unicode, slashes, dots, very long ids. */
export const hostileSegment = fc.oneof(
  nastyString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))),
  fc.constantFrom('..', '.', '%2e%2e', 'a%2Fb', 'a/b', '%00', '%', '%zz', 'x'.repeat(2_000), '__name__'),
);

/** Any query string: odd keys, unicode, repeated parameters, garbage cursors. */
export const hostileQuery = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'cursor', 'q', 'status', 'ids', 'low', 'since', 'type'), nastyString),
      fc.oneof(nastyString, nastyNumber.map(String)),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs
      .map(([k, v]) => `${encodeURIComponent(toWellFormed(k))}=${encodeURIComponent(toWellFormed(v))}`)
      .join('&'),
  );

/** Lone surrogates replaced: a URL or header cannot carry them at all. */
export function toWellFormed(text: string): string {
  return text.replace(/[\ud800-\udfff]/g, '?');
}

/**
 * A header value fetch can send: Latin-1 without control characters, DEL (0x7f) included, which
 * undici refuses to send ("invalid header"), failing the request before it reaches the server.
 */
export const headerValue = fc.oneof(
  fc.string({
    // 0x20-0x7e, then 0x80-0xff.
    unit: fc.integer({ min: 0x20, max: 0xfe }).map((c) => String.fromCharCode(c < 0x7f ? c : c + 1)),
    maxLength: 300,
  }),
  fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer x', 'Basic dXNlcjpwYXNz', 'Bearer a b'),
);

export function requestInit(
  method: string,
  body?: { text: string; contentType?: string },
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { ...(body?.contentType ? { 'content-type': body.contentType } : {}), ...headers },
    body: body === undefined ? undefined : body.text,
  };
}

/**
 * A refusal as the API promises it: 4xx (one of `statuses` when given) with an RFC 9457 body.
 * Resolves the parsed problem for further checks.
 */
export async function expectProblem(res: Response, statuses?: number[]): Promise<Record<string, unknown>> {
  const text = await res.text();
  const context = `${res.status} ${text.slice(0, 300)}`;
  expect(res.status, context).toBeGreaterThanOrEqual(400);
  expect(res.status, context).toBeLessThan(500);
  if (statuses) expect(statuses, context).toContain(res.status);
  expect(res.headers.get('content-type'), context).toBe('application/problem+json');
  const problem = JSON.parse(text) as Record<string, unknown>;
  expect(problem.status, context).toBe(res.status);
  expect(typeof problem.title, context).toBe('string');
  return problem;
}

/** Never a server error, whatever the answer. */
export async function expectNoServerError(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, `${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
}

/**
 * Every document of a database (collections and their subcollections), as plain JSON by path:
 * two equal snapshots mean no request changed anything.
 */
export async function snapshot(db: Firestore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const walk = async (collections: CollectionReference[]) => {
    for (const collection of collections) {
      const docs = await collection.listDocuments();
      for (const ref of docs) {
        const doc = await ref.get();
        if (doc.exists) out[ref.path] = JSON.parse(JSON.stringify(doc.data()));
        await walk(await ref.listCollections());
      }
    }
  };
  await walk(await db.listCollections());
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Anything with a runtime whose database a snapshot can read: a function under test. */
interface WithDatabase {
  rt: { db(): Promise<Firestore> };
}

/** What `fc.asyncProperty` takes: arbitraries, then a check over the values they draw. */
type PropertyArgs<Ts extends [unknown, ...unknown[]]> = [
  ...arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...values: Ts) => Promise<void>,
];

/** Checks the property of `arbitraries` and `check` (RUNS runs). */
export function holds<Ts extends [unknown, ...unknown[]]>(...property: PropertyArgs<Ts>): Promise<void> {
  return fc.assert(fc.asyncProperty(...property), RUNS);
}

/** Checks the property (RUNS runs), then that `fn`'s database is exactly as it was before. */
export function holdsWithoutStateChange<Ts extends [unknown, ...unknown[]]>(
  fn: WithDatabase,
  ...property: PropertyArgs<Ts>
): Promise<void> {
  return withoutStateChange(fn, () => holds(...property));
}

/** Runs `check` and then checks `fn`'s database is exactly as it was before. */
export async function withoutStateChange(fn: WithDatabase, check: () => Promise<void>): Promise<void> {
  const db = await fn.rt.db();
  const before = await snapshot(db);
  expect(Object.keys(before).length, 'the database is seeded').toBeGreaterThan(0);
  await check();
  expect(await snapshot(db)).toEqual(before);
}
