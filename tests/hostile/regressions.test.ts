/**
 * Counterexamples the hostile-input properties found, kept as plain tests: each was accepted (202)
 * before its fix.
 */
import { createLogger } from '@stockflow/kit';
import { deliveryHeaders, testEnv } from '@stockflow/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ledger } from '../../functions/ledger/src/app.ts';
import { startMesh } from '../../packages/mesh/src/index.ts';
import { expectProblem, snapshot } from './harness.ts';

const fn = ledger.create({ env: testEnv('hostile-regressions') });
afterAll(() => fn.rt.close());

const binary = {
  ...deliveryHeaders(),
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '/hostile',
  'ce-type': 'io.example.anything',
  'content-type': 'application/json',
};

describe('CloudEvents the kit used to take', () => {
  it('refuses a binary-mode message without ce-specversion (the SDK assumed 1.0)', async () => {
    const { 'ce-specversion': _, ...headers } = binary;
    await expectProblem(await fn.app.request('/events', { method: 'POST', headers, body: '""' }), [400]);
    expect(await snapshot(await fn.rt.db())).toEqual({});
  });

  it('refuses a structured event without specversion', async () => {
    const body = JSON.stringify({ id: 'e', source: '/s', type: 't' });
    const headers = { 'content-type': 'application/cloudevents+json', ...deliveryHeaders() };
    await expectProblem(await fn.app.request('/events', { method: 'POST', headers, body }), [400]);
  });

  it('refuses a time that is no RFC 3339 timestamp (the SDK kept "x")', async () => {
    const headers = { ...binary, 'ce-time': 'x' };
    await expectProblem(await fn.app.request('/events', { method: 'POST', headers, body: '""' }), [400]);
    const body = JSON.stringify({ specversion: '1.0', id: 'e', source: '/s', type: 't', time: 'yesterday' });
    const structured = { 'content-type': 'application/cloudevents+json', ...deliveryHeaders() };
    await expectProblem(
      await fn.app.request('/events', { method: 'POST', headers: structured, body }),
      [400],
    );
    expect(await snapshot(await fn.rt.db())).toEqual({});
  });
});

describe('CloudEvents the broker ingress used to take', () => {
  it('refuses a structured event whose type is a boolean (it became the type "false")', async () => {
    const mesh = await startMesh({
      log: createLogger({ service: 'mesh', level: 'silent' }),
      objects: [
        { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' }, spec: {} },
      ],
    });
    try {
      const body = JSON.stringify({ specversion: '1.0', id: '%00', source: '/s', type: false, data: '' });
      const res = await fetch(mesh.ingressUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
        body,
      });
      await expectProblem(res, [400]);
      // Extensions may still be numbers or booleans in the JSON format.
      const extension = JSON.stringify({
        specversion: '1.0',
        id: 'x',
        source: '/s',
        type: 't',
        retries: 3,
        urgent: true,
      });
      const ok = await fetch(mesh.ingressUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: extension,
      });
      expect(ok.status).toBe(202);
    } finally {
      await mesh.stop(0);
    }
  });
});
