import { Transaction } from '@google-cloud/firestore';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INBOX_COLLECTION } from './runtime.ts';
import { counterFunction } from './testing/counter-function.ts';
import { testEnv } from './testing/index.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function start() {
  const fn = counterFunction.create({ env: testEnv('many') });
  cleanup.push(() => fn.rt.close());
  return fn;
}

const event = (id: string, source = '/tests') => ({ id, source, type: 'test.counter.increment' });

describe('Runtime.consumeMany: group commit of consumed events', () => {
  it('tells which events are new: not consumed before, and not a repeat earlier in the group', async () => {
    const { rt } = start();
    await rt.consumeOnce(event('old'), async () => undefined);
    const { fresh, value } = await rt.consumeMany(
      [event('a'), event('old'), event('b'), event('a'), event('a', '/elsewhere')],
      async ({ tx, db }, fresh) => {
        tx.set(db.collection('counters').doc('c1'), { value: fresh.filter(Boolean).length });
        return 'done';
      },
    );
    expect(value).toBe('done');
    expect(fresh).toEqual([true, false, true, false, true]);
    const db = await rt.db();
    expect((await db.collection('counters').doc('c1').get()).get('value')).toBe(3);
    expect((await db.collection(INBOX_COLLECTION).get()).size).toBe(4);

    // The same group again: every event is a duplicate now.
    const again = await rt.consumeMany([event('a'), event('b')], async () => undefined);
    expect(again.fresh).toEqual([false, false]);
  });

  it('records no event as consumed when the state change fails', async () => {
    const { rt } = start();
    await expect(
      rt.consumeMany([event('x'), event('y')], async () => {
        throw new Error('domain failure');
      }),
    ).rejects.toThrow('domain failure');
    const db = await rt.db();
    expect((await db.collection(INBOX_COLLECTION).get()).size).toBe(0);
    const retried = await rt.consumeMany([event('x'), event('y')], async () => undefined);
    expect(retried.fresh).toEqual([true, true]);
  });

  it('accepts an empty group', async () => {
    const { rt } = start();
    expect(await rt.consumeMany([], async (_work, fresh) => fresh.length)).toEqual({ value: 0, fresh: [] });
  });
});

describe('Runtime.consumeOnce with documents read alongside', () => {
  it('reads the declared documents with the dedupe record in one round trip, and work.get hands them over', async () => {
    const { rt } = start();
    const db = await rt.db();
    await db.collection('counters').doc('c2').set({ value: 41 });
    const getAll = vi.spyOn(Transaction.prototype, 'getAll');
    const get = vi.spyOn(Transaction.prototype, 'get');
    try {
      const applied = await rt.consumeOnce(
        event('with-read'),
        async (work) => {
          const declared = await work.get(work.db.collection('counters').doc('c2'));
          const other = await work.get(work.db.collection('counters').doc('absent'));
          expect(declared.get('value')).toBe(41);
          expect(other.exists).toBe(false);
          work.tx.set(declared.ref, { value: declared.get('value') + 1 });
        },
        (db) => [db.collection('counters').doc('c2')],
      );
      expect(applied).toBe(true);
      // The dedupe record and c2 in one getAll; only the undeclared document in a get of its own.
      expect(getAll).toHaveBeenCalledTimes(1);
      expect(getAll.mock.calls[0]!.map((ref) => (ref as { path: string }).path)).toEqual([
        expect.stringContaining(INBOX_COLLECTION),
        'counters/c2',
      ]);
      expect(get.mock.calls.map(([ref]) => (ref as unknown as { path: string }).path)).toEqual([
        'counters/absent',
      ]);
    } finally {
      getAll.mockRestore();
      get.mockRestore();
    }
    expect((await db.collection('counters').doc('c2').get()).get('value')).toBe(42);
    // A second delivery: a duplicate, nothing runs.
    let ran = false;
    const again = await rt.consumeOnce(
      event('with-read'),
      async () => {
        ran = true;
      },
      (db) => [db.collection('counters').doc('c2')],
    );
    expect(again).toBe(false);
    expect(ran).toBe(false);
  });
});
