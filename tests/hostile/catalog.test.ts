/**
 * Hostile input to catalog's HTTP API, in process on a database of its own: every malformed body,
 * content type, path and query gets a 4xx problem+json, never a 5xx, and changes nothing; unknown
 * fields on a valid body are never taken.
 */
import type { Product } from '@stockflow/contracts';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import {
  ADMIN,
  expectNoServerError,
  expectProblem,
  headerValue,
  holds,
  holdsWithoutStateChange,
  hostileFunction,
  hostileQuery,
  hostileRequestBody,
  hostileSegment,
  jsonBody,
  nastyString,
  requestInit,
  withoutStateChange,
} from './harness.ts';

const fn = hostileFunction(catalog, 'hostile-catalog');
let seeded: Product;

beforeAll(async () => {
  const res = await fn.app.request('/products', {
    method: 'POST',
    headers: { ...ADMIN.catalog, 'content-type': 'application/json' },
    body: JSON.stringify({ sku: 'SEED-1', name: 'Seed', priceCents: 100, currency: 'EUR' }),
  });
  expect(res.status).toBe(201);
  seeded = (await res.json()) as Product;
});

describe('catalog under hostile input', () => {
  it('refuses malformed product bodies (create and patch) with 4xx problem+json and changes nothing', async () => {
    await holdsWithoutStateChange(fn, hostileRequestBody, async (body) => {
      await expectProblem(await fn.app.request('/products', requestInit('POST', body, ADMIN.catalog)));
      const patched = await fn.app.request(
        `/products/${seeded.id}`,
        requestInit('PATCH', body, ADMIN.catalog),
      );
      // An object with no known field is a valid patch that changes nothing (200, same version).
      if (patched.status === 200) expect(((await patched.json()) as Product).version).toBe(1);
      else await expectProblem(patched);
    });
  });

  it('answers any path id with 404 or 4xx, never 5xx, and changes nothing', async () => {
    await holdsWithoutStateChange(fn, hostileSegment, async (segment) => {
      await expectProblem(await fn.app.request(`/products/${segment}`));
      await expectProblem(
        await fn.app.request(`/products/${segment}/archive`, { method: 'POST', headers: ADMIN.catalog }),
      );
      const patch = jsonBody({ name: 'Renamed' });
      await expectProblem(
        await fn.app.request(`/products/${segment}`, requestInit('PATCH', patch, ADMIN.catalog)),
      );
    });
  });

  it('answers any query string on the public lists with 200 or 400, never 5xx', async () => {
    await holds(hostileQuery, async (query) => {
      const list = await fn.app.request(`/products?${query}`);
      if (list.status !== 200) await expectProblem(list, [400]);
      await expectNoServerError(await fn.app.request(`/categories?${query}`));
    });
  });

  it('refuses admin operations with any Authorization header but the admin token', async () => {
    const valid = jsonBody({ sku: 'X-1', name: 'X', priceCents: 1, currency: 'EUR' });
    await holdsWithoutStateChange(fn, headerValue, async (authorization) => {
      const headers = { authorization };
      await expectProblem(await fn.app.request('/products', requestInit('POST', valid, headers)), [401]);
      await expectProblem(
        await fn.app.request(`/products/${seeded.id}/archive`, { method: 'POST', headers }),
        [401],
      );
    });
  });

  it('takes no server-owned field from a create body (mass assignment)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          id: nastyString,
          status: fc.constantFrom('archived', 'deleted', 'active'),
          version: fc.integer(),
          createdAt: fc.constant('1999-01-01T00:00:00.000Z'),
          updatedAt: fc.constant('1999-01-01T00:00:00.000Z'),
          admin: fc.constant(true),
        }),
        fc.uuid(),
        async (extra, unique) => {
          const sku = `MA-${unique.slice(0, 13)}`;
          const res = await fn.app.request('/products', {
            method: 'POST',
            headers: { ...ADMIN.catalog, 'content-type': 'application/json' },
            body: JSON.stringify({ sku, name: 'Mass', priceCents: 5, currency: 'EUR', ...extra }),
          });
          expect(res.status).toBe(201);
          const product = (await res.json()) as Product & Record<string, unknown>;
          expect(product.id).not.toBe(extra.id);
          expect(product.status).toBe('active');
          expect(product.version).toBe(1);
          expect(product.createdAt).not.toBe(extra.createdAt);
          expect(product.admin).toBeUndefined();
          const stored = (await (await fn.app.request(`/products/${product.id}`)).json()) as Product;
          expect(stored).toEqual(product);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('refuses bodies over the limit with 413 and changes nothing', async () => {
    await withoutStateChange(fn, async () => {
      const huge = JSON.stringify({
        sku: 'BIG',
        name: 'x'.repeat(300 * 1024),
        priceCents: 1,
        currency: 'EUR',
      });
      const res = await fn.app.request('/products', {
        method: 'POST',
        headers: {
          ...ADMIN.catalog,
          'content-type': 'application/json',
          'content-length': String(huge.length),
        },
        body: huge,
      });
      await expectProblem(res, [413]);
    });
  });
});
