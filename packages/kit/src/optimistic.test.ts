import type { Firestore } from '@google-cloud/firestore';
import { afterEach, describe, expect, it } from 'vitest';
import { runOptimistic } from './optimistic.ts';
import { Problem } from './problem.ts';
import { counterFunction } from './testing/counter-function.ts';
import { testEnv } from './testing/index.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A runtime on a fresh emulator database; `instances` runtimes share it (instances of a function). */
async function databases(instances = 1) {
  const env = testEnv('optimistic');
  const dbs: Firestore[] = [];
  const runtimes = [];
  for (let i = 0; i < instances; i++) {
    const fn = counterFunction.create({ env });
    cleanup.push(() => fn.rt.close());
    runtimes.push(fn.rt);
    dbs.push(await fn.rt.db());
  }
  return { dbs, runtimes };
}

/** One instance's database, fresh. */
async function database(): Promise<Firestore> {
  return (await databases()).dbs[0]!;
}

describe('runOptimistic', () => {
  it('runs again on fresh reads when a document it read changed before its commit', async () => {
    const db = await database();
    const doc = db.collection('stock').doc('hot');
    await doc.set({ n: 1 });
    let runs = 0;
    await runOptimistic(db, async (tx) => {
      runs++;
      const n = (await tx.get(doc)).get('n') as number;
      // Another writer gets in between this attempt's read and its commit (once).
      if (runs === 1) await doc.update({ n: 10 });
      tx.set(doc, { n: n + 1 });
    });
    expect(runs).toBe(2);
    expect((await doc.get()).get('n')).toBe(11);
  });

  it('creates a document it read as absent, and runs again when someone else created it first', async () => {
    const db = await database();
    const doc = db.collection('reservations').doc('o-1');
    const seen: boolean[] = [];
    await runOptimistic(db, async (tx) => {
      const snapshot = await tx.get(doc);
      seen.push(snapshot.exists);
      if (seen.length === 1) await doc.set({ by: 'other' });
      tx.set(doc, { by: 'me', after: snapshot.exists ? snapshot.get('by') : null });
    });
    expect(seen).toEqual([false, true]);
    expect((await doc.get()).data()).toEqual({ by: 'me', after: 'other' });
  });

  it('sets whole documents: fields it leaves out are gone, dotted names are names', async () => {
    const db = await database();
    const doc = db.collection('stock').doc('p');
    await doc.set({ onHand: 5, threshold: 2, nested: { a: 1, b: 2 } });
    await runOptimistic(db, async (tx) => {
      await tx.get(doc);
      tx.set(doc, { onHand: 4, nested: { a: 1 }, 'a.b': 'literal', gone: undefined });
    });
    expect((await doc.get()).data()).toEqual({ onHand: 4, nested: { a: 1 }, 'a.b': 'literal' });
  });

  it('gives up with a 503 after its attempts, writing nothing', async () => {
    const db = await database();
    const doc = db.collection('stock').doc('busy');
    await doc.set({ n: 0 });
    let runs = 0;
    const failure = await runOptimistic(
      db,
      async (tx) => {
        runs++;
        await tx.get(doc);
        await doc.update({ n: runs * 100 });
        tx.set(doc, { n: -1 });
        tx.create(db.collection('movements').doc(`m${runs}`), { runs });
      },
      3,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Problem);
    expect((failure as Problem).status).toBe(503);
    expect(runs).toBe(3);
    expect((await doc.get()).get('n')).toBe(300);
    expect((await db.collection('movements').get()).size).toBe(0);
  });

  it('refuses to write one document twice in an attempt', async () => {
    const db = await database();
    const doc = db.collection('stock').doc('twice');
    await expect(
      runOptimistic(db, async (tx) => {
        tx.set(doc, { n: 1 });
        tx.set(doc, { n: 2 });
      }),
    ).rejects.toThrow(/written twice/);
  });

  it('two instances racing on one document lose no increment', async () => {
    const { dbs } = await databases(2);
    const [a, b] = dbs as [Firestore, Firestore];
    await a.collection('stock').doc('hot').set({ n: 0 });
    const increments = (db: Firestore) =>
      (async () => {
        for (let i = 0; i < 25; i++) {
          await runOptimistic(db, async (tx) => {
            const doc = db.collection('stock').doc('hot');
            tx.set(doc, { n: ((await tx.get(doc)).get('n') as number) + 1 });
          });
        }
      })();
    await Promise.all([increments(a), increments(b)]);
    expect((await a.collection('stock').doc('hot').get()).get('n')).toBe(50);
  });
});

describe('Runtime.consumeMany, optimistic', () => {
  it('applies an event delivered to two instances at once exactly once', async () => {
    const { runtimes } = await databases(2);
    const event = { id: 'e-1', source: '/tests', type: 'test.counter.increment' };
    const apply = (rt: (typeof runtimes)[number]) =>
      rt.consumeMany(
        [event],
        async ({ tx, db }, [fresh]) => {
          if (!fresh) return;
          const doc = db.collection('counters').doc('c');
          const value = ((await tx.get(doc)).get('value') as number | undefined) ?? 0;
          tx.set(doc, { value: value + 1 });
        },
        undefined,
        { optimistic: true },
      );
    const results = await Promise.all(runtimes.map(apply));
    expect(results.map((r) => r.fresh[0]).sort()).toEqual([false, true]);
    const db = await runtimes[0]!.db();
    expect((await db.collection('counters').doc('c').get()).get('value')).toBe(1);
  });
});
