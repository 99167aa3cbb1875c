/**
 * @module A tiny function built on the kit, for the kit's own tests: counters that events and
 * requests increment, each increment emitting `test.counter.incremented`.
 */
import * as z from 'zod/mini';
import { defineFunction, readJson } from '../app.ts';
import { envInt } from '../config.ts';
import { applyOnce } from '../events.ts';
import { notFound } from '../problem.ts';
import type { Work } from '../runtime.ts';
import { requireRole } from '../staff.ts';

const Increment = z.object({
  counter: z.string().check(z.minLength(1), z.maxLength(64)),
  by: z.int().check(z.minimum(1), z.maximum(1000)),
});

async function increment(work: Work, counter: string, by: number) {
  const ref = work.db.collection('counters').doc(counter);
  const snap = await work.tx.get(ref);
  const value = ((snap.data()?.value as number | undefined) ?? 0) + by;
  work.tx.set(ref, { value });
  work.emit({ type: 'test.counter.incremented', subject: counter, data: { counter, value } });
  return value;
}

export const counterFunction = defineFunction({
  name: 'counter',
  env: { SLOW_MS: z._default(envInt({ min: 0 }), 0) },
  events: {
    'test.counter.increment': applyOnce(Increment, async ({ data, work }) => {
      await increment(work, data.counter, data.by);
    }),
  },
  routes(app, rt) {
    app.get('/counters/:id', async (c) => {
      const db = await rt.db();
      const snap = await db.collection('counters').doc(c.req.param('id')).get();
      if (!snap.exists) throw notFound('No such counter.');
      return c.json({ id: snap.id, value: snap.data()!.value });
    });
    app.post('/counters', requireRole('manager'), async (c) => {
      const body = await readJson(c, Increment);
      if (rt.config.SLOW_MS) await new Promise((resolve) => setTimeout(resolve, rt.config.SLOW_MS));
      const value = await rt.transact((work) => increment(work, body.counter, body.by));
      return c.json({ counter: body.counter, value }, 201);
    });
  },
});
