import { asStaff } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { adjustment, openInventory, type TestInventory } from './testing.ts';

const VIEWER = await asStaff('inventory', 'viewer');
const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

describe('GET /stock/low/count', () => {
  it("counts the items at or below their threshold, and follows the stock's changes", async () => {
    const inv = await openInventory();
    open.push(inv);
    const count = async () => {
      const res = await inv.fn.app.request('/stock/low/count', { headers: VIEWER });
      expect(res.status).toBe(200);
      return ((await res.json()) as { count: number }).count;
    };
    expect(await count()).toBe(0);
    // The default threshold is 5: p1, p3 and p4 are low.
    const counted = { p1: 3, p2: 50, p3: 1, p4: 2 };
    for (const [id, delta] of Object.entries(counted)) {
      await inv.fn.app.request(`/stock/${id}/adjustments`, adjustment({ delta, reason: 'count' }));
    }
    expect(await count()).toBe(3);
    await inv.fn.app.request('/stock/p1/adjustments', adjustment({ delta: 10, reason: 'count' }));
    expect(await count()).toBe(2);
  });

  it('is for staff only', async () => {
    const inv = await openInventory();
    open.push(inv);
    expect((await inv.fn.app.request('/stock/low/count')).status).toBe(401);
  });
});
