/**
 * Random interleavings of everything that moves stock across several locations, against the real
 * emulator: orders placed, cancelled, shipped per location or whole, transfers dispatched and
 * received (with differences), cycle counts, goods received and returns inspected (restocked or
 * written off, at a location or one not configured), in concurrent batches (so group
 * commits mix them). After every batch the per-location stock equation holds, and the levels equal
 * those rebuilt from the movements and transfers exactly.
 */
import type { Transfer } from '@stockflow/contracts';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { events, managerJson, openInventory, type TestInventory } from './testing.ts';

const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

const PRODUCTS = ['p0', 'p1', 'p2'];
const LOCATIONS = ['default', 'north', 'south'];
const ORDERS = ['o0', 'o1', 'o2', 'o3', 'o4', 'o5'];

const product = fc.constantFrom(...PRODUCTS);
const location = fc.constantFrom(...LOCATIONS);
const order = fc.constantFrom(...ORDERS);

const step = fc.oneof(
  fc.record({
    kind: fc.constant('place' as const),
    orderId: order,
    lines: fc.uniqueArray(fc.record({ productId: product, quantity: fc.integer({ min: 1, max: 8 }) }), {
      minLength: 1,
      maxLength: 3,
      selector: (line) => line.productId,
    }),
  }),
  fc.record({ kind: fc.constant('cancel' as const), orderId: order }),
  fc.record({ kind: fc.constant('shipAt' as const), orderId: order, locationId: location }),
  fc.record({ kind: fc.constant('ship' as const), orderId: order }),
  fc.record({
    kind: fc.constant('transfer' as const),
    from: location,
    to: location,
    productId: product,
    quantity: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({ kind: fc.constant('receive' as const), shortBy: fc.integer({ min: -1, max: 2 }) }),
  fc.record({
    kind: fc.constant('count' as const),
    productId: product,
    locationId: location,
    counted: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({
    kind: fc.constant('goods' as const),
    productId: product,
    locationId: fc.option(location, { nil: undefined }),
    quantity: fc.integer({ min: 1, max: 10 }),
  }),
  fc.record({
    kind: fc.constant('return' as const),
    orderId: order,
    // `west` is not configured: the goods are taken at the default location.
    locationId: fc.constantFrom(...LOCATIONS, 'west'),
    lines: fc.array(
      fc.record({
        productId: product,
        quantity: fc.integer({ min: 1, max: 4 }),
        outcome: fc.constantFrom('restocked' as const, 'written-off' as const),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

describe('inventory across locations under random concurrent interleavings (emulator)', () => {
  it('keeps every location sound and the levels equal to those rebuilt from the movements', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 3, maxLength: 6 }),
        async (batches) => {
          const inv = await openInventory();
          open.push(inv);
          const app = inv.fn.app;
          run++;
          const dispatched: string[] = [];
          let n = 0;
          for (const locationId of ['north', 'south']) {
            const res = await app.request(
              '/locations',
              managerJson('POST', {
                id: locationId,
                name: locationId,
                priority: locationId === 'north' ? 1 : 2,
              }),
            );
            expect(res.status).toBe(201);
          }
          for (const productId of PRODUCTS) {
            for (const locationId of LOCATIONS) {
              const res = await app.request(
                `/stock/${productId}/counts`,
                managerJson('POST', { counted: 6, locationId }),
              );
              expect(res.status).toBe(200);
            }
          }
          const apply = async (s: Step): Promise<void> => {
            const id = `r${run}-${n++}`;
            let status: number;
            switch (s.kind) {
              case 'place':
                status = (await inv.deliver(events.placed(s.orderId, s.lines, id))).status;
                break;
              case 'cancel':
                status = (await inv.deliver(events.cancelled(s.orderId, id))).status;
                break;
              case 'ship':
                status = (await inv.deliver(events.shipped(s.orderId, id))).status;
                break;
              case 'shipAt':
                status = (
                  await inv.deliver(
                    events.shipmentShipped(s.orderId, s.locationId, [{ productId: 'p0', quantity: 1 }], id),
                  )
                ).status;
                break;
              case 'goods':
                status = (
                  await inv.deliver(events.goodsReceived(s.productId, s.quantity, id, id, s.locationId))
                ).status;
                break;
              case 'return':
                status = (
                  await inv.deliver(events.returnInspected(s.orderId, id, s.locationId, s.lines, { id }))
                ).status;
                break;
              case 'count':
                status = (
                  await app.request(
                    `/stock/${s.productId}/counts`,
                    managerJson('POST', { counted: s.counted, locationId: s.locationId }),
                  )
                ).status;
                // Counting below what is reserved there is refused.
                expect([200, 409]).toContain(status);
                return;
              case 'transfer': {
                const body = {
                  from: s.from,
                  to: s.to,
                  lines: [{ productId: s.productId, quantity: s.quantity }],
                };
                const res = await app.request('/transfers', managerJson('POST', body));
                if (s.from === s.to) return expect(res.status).toBe(422);
                expect(res.status).toBe(201);
                const { id: transferId } = (await res.json()) as Transfer;
                const sent = await app.request(`/transfers/${transferId}/dispatch`, managerJson('POST'));
                expect([200, 409]).toContain(sent.status);
                if (sent.status === 200) dispatched.push(transferId);
                return;
              }
              case 'receive': {
                const transferId = dispatched.shift();
                if (!transferId) return;
                const t = (await (
                  await app.request(`/transfers/${transferId}`, managerJson('GET'))
                ).json()) as Transfer;
                const quantity = Math.max(0, t.lines[0]!.quantity - s.shortBy);
                const body = {
                  lines: [{ productId: t.lines[0]!.productId, quantity }],
                  reason: 'counted on arrival',
                };
                const res = await app.request(`/transfers/${transferId}/receive`, managerJson('POST', body));
                expect(res.status).toBe(200);
                return;
              }
            }
            expect(status).toBe(202);
          };
          for (const batch of batches) {
            await Promise.all(batch.map(apply));
            expect(await inv.audit()).toEqual([]);
          }
          await inv.close();
          open.splice(open.indexOf(inv), 1);
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);
});
