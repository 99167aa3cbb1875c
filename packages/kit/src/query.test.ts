import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { Problem } from './problem.ts';
import { decodeCursor, encodeCursor, pageLimit, readQuery } from './query.ts';

const request = (query: Record<string, string>) => ({ req: { query: () => query } });
const Position = z.tuple([z.string(), z.string()]);

describe('query strings', () => {
  it('reads a limit with its default and bounds', () => {
    const schema = z.object({ limit: pageLimit({ max: 50, fallback: 10 }) });
    expect(readQuery(request({}), schema)).toEqual({ limit: 10 });
    expect(readQuery(request({ limit: '50' }), schema)).toEqual({ limit: 50 });
    for (const limit of ['0', '51', '2.5', 'ten', '']) {
      expect(() => readQuery(request({ limit }), schema)).toThrowError(Problem);
    }
  });

  it('names the bad parameters in the 400 problem', () => {
    try {
      readQuery(request({ limit: 'x' }), z.object({ limit: pageLimit() }));
      expect.unreachable();
    } catch (error) {
      expect((error as Problem).status).toBe(400);
      expect((error as Problem).extensions.errors).toEqual([expect.objectContaining({ path: 'limit' })]);
    }
  });

  it('round-trips a cursor and refuses one it did not give out', () => {
    const cursor = encodeCursor(['blue shirt', 'p-1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, Position)).toEqual(['blue shirt', 'p-1']);
    // A lone surrogate decodes as a string, but no Firestore query can carry it (it answered 500).
    const lone = Buffer.from('["\\ud800","p-1"]').toString('base64url');
    for (const bad of ['!!', encodeCursor([1, 2]), Buffer.from('{"a":1}').toString('base64url'), lone]) {
      expect(() => decodeCursor(bad, Position)).toThrowError(/cursor/);
    }
  });
});
