/**
 * Hostile input to the ledger's HTTP API, in process on a database of its own: malformed queries,
 * ids and replay bodies get a 4xx problem+json and change no event or dead letter.
 */
import { cloudEventRequest } from '@stockflow/kit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledger } from '../../functions/ledger/src/app.ts';
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
  requestInit,
} from './harness.ts';

const fn = hostileFunction(ledger, 'hostile-ledger');

beforeAll(async () => {
  const event = {
    type: 'io.stockflow.goods.received',
    source: '/warehouse',
    data: { productId: 'p', quantity: 1, reference: 'r' },
  };
  expect((await fn.app.request('/events', cloudEventRequest(event))).status).toBe(202);
  const dead = cloudEventRequest({
    ...event,
    extensions: {
      knativeerrordest: 'http://inventory.default.svc.cluster.local/events',
      knativeerrorcode: '500',
    },
  });
  expect((await fn.app.request('/dead-letters', dead)).status).toBe(202);
});

describe('the ledger under hostile input', () => {
  it('refuses malformed bulk replays with 4xx problem+json and replays nothing', async () => {
    await holdsWithoutStateChange(fn, hostileRequestBody, async (body) => {
      await expectProblem(
        await fn.app.request('/dead-letters/replay', requestInit('POST', body, ADMIN.ledger)),
      );
    });
  });

  it('answers any dead-letter id with 404 (or 4xx), never 5xx, and changes nothing', async () => {
    await holdsWithoutStateChange(fn, hostileSegment, async (segment) => {
      await expectProblem(await fn.app.request(`/dead-letters/${segment}`, { headers: ADMIN.ledger }));
      await expectProblem(
        await fn.app.request(`/dead-letters/${segment}/replay`, { method: 'POST', headers: ADMIN.ledger }),
      );
      await expectProblem(
        await fn.app.request(`/dead-letters/${segment}`, { method: 'DELETE', headers: ADMIN.ledger }),
      );
    });
  });

  it('answers any query string with 200 or 400', async () => {
    await holds(hostileQuery, async (query) => {
      for (const path of ['/events', '/dead-letters']) {
        const res = await fn.app.request(`${path}?${query}`, { headers: ADMIN.ledger });
        if (res.status !== 200) await expectProblem(res, [400]);
      }
    });
  });

  it('refuses every admin route, the live stream included, without the admin token', async () => {
    await holdsWithoutStateChange(fn, headerValue, hostileQuery, async (authorization, query) => {
      const headers = { authorization };
      for (const path of ['/events', '/dead-letters', `/events/stream?${query}`]) {
        await expectProblem(await fn.app.request(path, { headers }), [401]);
      }
      await expectProblem(
        await fn.app.request(`/events/stream?token=${encodeURIComponent(authorization)}`),
        [401],
      );
      const replay = jsonBody({ ids: ['0'.repeat(64)] });
      await expectProblem(
        await fn.app.request('/dead-letters/replay', requestInit('POST', replay, headers)),
        [401],
      );
    });
  });
});
