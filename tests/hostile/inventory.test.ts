/**
 * Hostile input to inventory's HTTP API, in process on a database of its own: malformed levels,
 * adjustments, ids and queries get a 4xx problem+json and change no stock.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inventory } from '../../functions/inventory/src/app.ts';
import {
  ADMIN,
  expectProblem,
  headerValue,
  holds,
  holdsWithoutStateChange,
  hostileFunction,
  hostileQuery,
  hostileRequestBody,
  hostileSegment,
  jsonBody,
  nastyNumber,
  nastyString,
  requestInit,
} from './harness.ts';

const fn = hostileFunction(inventory, 'hostile-inventory');
const PRODUCT = 'p-stocked';
const PRODUCT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

beforeAll(async () => {
  const res = await fn.app.request(
    `/stock/${PRODUCT}/adjustments`,
    requestInit('POST', jsonBody({ delta: 10, reason: 'seed' }), ADMIN.inventory),
  );
  expect(res.status).toBe(200);
});

describe('inventory under hostile input', () => {
  it('refuses malformed adjustments and settings with 4xx problem+json and changes no stock', async () => {
    await holdsWithoutStateChange(fn, hostileRequestBody, async (body) => {
      await expectProblem(
        await fn.app.request(`/stock/${PRODUCT}/adjustments`, requestInit('POST', body, ADMIN.inventory)),
      );
      await expectProblem(
        await fn.app.request(`/stock/${PRODUCT}`, requestInit('PATCH', body, ADMIN.inventory)),
      );
    });
  });

  it('refuses wrong types and out-of-range numbers in otherwise well-formed bodies', async () => {
    const badDelta = fc
      .oneof(nastyNumber, nastyString, fc.constant(null))
      .filter(
        (delta) => !(Number.isInteger(delta) && delta !== 0 && Math.abs(delta as number) <= 1_000_000_000),
      );
    const badThreshold = fc
      .oneof(nastyNumber, nastyString, fc.constant(null))
      .filter(
        (threshold) =>
          !(Number.isInteger(threshold) && (threshold as number) >= 0 && (threshold as number) <= 1e9),
      );
    await holdsWithoutStateChange(fn, badDelta, badThreshold, async (delta, lowStockThreshold) => {
      const adjust = jsonBody({ delta, reason: 'hostile' });
      await expectProblem(
        await fn.app.request(`/stock/${PRODUCT}/adjustments`, requestInit('POST', adjust, ADMIN.inventory)),
        [400],
      );
      const settings = jsonBody({ lowStockThreshold });
      await expectProblem(
        await fn.app.request(`/stock/${PRODUCT}`, requestInit('PATCH', settings, ADMIN.inventory)),
        [400],
      );
    });
  });

  it('answers ids that cannot be product ids with 4xx, never 5xx, and changes nothing', async () => {
    const badId = hostileSegment.filter((segment) => {
      try {
        return !PRODUCT_ID.test(decodeURIComponent(segment));
      } catch {
        return true;
      }
    });
    await holdsWithoutStateChange(fn, badId, async (segment) => {
      await expectProblem(await fn.app.request(`/stock/${segment}`));
      const adjust = jsonBody({ delta: 1, reason: 'hostile' });
      await expectProblem(
        await fn.app.request(`/stock/${segment}/adjustments`, requestInit('POST', adjust, ADMIN.inventory)),
      );
      await expectProblem(
        await fn.app.request(
          `/stock/${segment}`,
          requestInit('PATCH', jsonBody({ lowStockThreshold: 1 }), ADMIN.inventory),
        ),
      );
    });
  });

  it('answers any query string with 200 or 4xx (401 for lists without the token)', async () => {
    await holds(hostileQuery, headerValue, async (query, authorization) => {
      for (const headers of [ADMIN.inventory, { authorization }]) {
        const res = await fn.app.request(`/stock?${query}`, { headers });
        if (res.status !== 200) await expectProblem(res, [400, 401]);
      }
    });
  });

  it('refuses stock changes with any Authorization header but the admin token', async () => {
    await holdsWithoutStateChange(fn, headerValue, async (authorization) => {
      const adjust = jsonBody({ delta: 5, reason: 'theft' });
      const res = await fn.app.request(
        `/stock/${PRODUCT}/adjustments`,
        requestInit('POST', adjust, { authorization }),
      );
      await expectProblem(res, [401]);
    });
  });
});
