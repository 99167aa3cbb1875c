/**
 * Orders without accounts: each order's token is 256 random bits, stored only as a digest, and an
 * order is never readable, streamable or cancellable without its token (or the admin's). Refusals
 * look the same whether the id exists or not, so ids cannot be enumerated.
 */
import { createHash } from 'node:crypto';
import type { PlacedOrder, Product } from '@stockflow/contracts';
import { cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../functions/orders/src/app.ts';
import { snapshot } from '../hostile/harness.ts';
import { shopper } from '../system/shopper.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const fn = orders.create({ env: testEnv('order-tokens', { ADMIN_TOKEN }) });
const product: Product = {
  id: 'p-token',
  sku: 'SKU-T',
  name: 'Token',
  priceCents: 100,
  currency: 'EUR',
  status: 'active',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const placed: PlacedOrder[] = [];

beforeAll(async () => {
  const created = cloudEventRequest({
    type: 'io.stockflow.product.created',
    source: '/catalog',
    data: product,
  });
  expect((await fn.app.request('/events', created)).status).toBe(202);
  const body = JSON.stringify({
    items: [{ productId: product.id, quantity: 1 }],
    customer: shopper('Ada', 'ada@example.com'),
  });
  const answers = await Promise.all(
    Array.from({ length: 40 }, () =>
      fn.app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    ),
  );
  for (const res of answers) {
    expect(res.status).toBe(202);
    placed.push((await res.json()) as PlacedOrder);
  }
});
afterAll(async () => {
  await fn.rt.outbox.drain(500);
  await fn.rt.close();
});

/** The answer with the order id taken out, to compare refusals of different ids. */
async function refusal(res: Response, id: string) {
  return { status: res.status, body: (await res.text()).replaceAll(id, '<id>') };
}

describe('order tokens', () => {
  it('are 256 random bits (43 base64url characters), all different', () => {
    const tokens = placed.map((order) => order.token);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    // Not derived from the id or from each other: no shared prefix beyond chance.
    const prefixes = new Set(tokens.map((token) => token.slice(0, 4)));
    expect(prefixes.size).toBeGreaterThan(tokens.length - 3);
  });

  it('are stored only as their SHA-256 digest', async () => {
    const stored = JSON.stringify(await snapshot(await fn.rt.db()));
    for (const { token } of placed) {
      expect(stored).not.toContain(token);
      expect(stored).toContain(createHash('sha256').update(token).digest('hex'));
    }
  });

  it("open their own order only: another order's token, none, or a guess get the unknown-id answer", async () => {
    const [mine, theirs] = placed as [PlacedOrder, PlacedOrder];
    const unknownId = '7f1c2d1e-0000-4000-8000-000000000000';
    const ask = (id: string, headers: Record<string, string>) => fn.app.request(`/${id}`, { headers });
    const unknown = await refusal(await ask(unknownId, {}), unknownId);
    expect(unknown.status).toBe(404);
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${theirs.token}` },
      { authorization: `Bearer ${mine.token.slice(0, -1)}${mine.token.endsWith('A') ? 'B' : 'A'}` },
      { authorization: `Bearer ${createHash('sha256').update(mine.token).digest('hex')}` },
    ];
    for (const headers of refused) {
      expect(await refusal(await ask(mine.id, headers), mine.id)).toEqual(unknown);
      expect(await refusal(await ask(unknownId, headers), unknownId)).toEqual(unknown);
      const cancel = (id: string) => fn.app.request(`/${id}/cancel`, { method: 'POST', headers });
      expect(await refusal(await cancel(mine.id), mine.id)).toEqual(
        await refusal(await cancel(unknownId), unknownId),
      );
      const stream = await fn.app.request(`/${mine.id}/events?token=${encodeURIComponent(theirs.token)}`);
      expect(stream.status).toBe(404);
    }
    expect((await ask(mine.id, { authorization: `Bearer ${mine.token}` })).status).toBe(200);
    expect((await ask(mine.id, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
  });

  it('leave nothing changed when a refused cancel is tried', async () => {
    const [, , target] = placed as [PlacedOrder, PlacedOrder, PlacedOrder];
    const before = await snapshot(await fn.rt.db());
    const res = await fn.app.request(`/${target.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${placed[3]!.token}` },
    });
    expect(res.status).toBe(404);
    expect(await snapshot(await fn.rt.db())).toEqual(before);
  });
});
