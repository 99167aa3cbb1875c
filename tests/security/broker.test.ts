/**
 * The broker ingress's sender authentication (OIDC tokens from the mesh's issuer, with
 * `authentication-oidc` on) and rate limit, on a real mesh on 127.0.0.1, and a function's outbox
 * presenting the token of its OIDC_TOKEN_FILE to it, as a SinkBinding's subject does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stockflow/kit';
import { testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { brokerAudience, type MeshOptions, startMesh } from '../../packages/mesh/src/index.ts';
import { startSubscriber, type TestSubscriber } from '../../packages/mesh/src/testing.ts';
import { expectProblem } from '../hostile/harness.ts';

/** allow-all: any authenticated sender may send (the policies are tested in packages/mesh). */
const SENDER = 'system:serviceaccount:default:warehouse';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** The catalog function's own identity: its SinkBinding's OIDC ServiceAccount. */
const sinkBindingSubject = (name: string) =>
  `system:serviceaccount:default:${name}-oidc-sources.knative.dev-sinkbinding`;
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

async function meshTo(subscriber: TestSubscriber, senders: MeshOptions['senders']) {
  const mesh = await startMesh({
    log: createLogger({ service: 'mesh', level: 'silent' }),
    senders,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'config-features', namespace: 'knative-eventing' },
        data: { 'authentication-oidc': 'enabled', 'default-authorization-mode': 'allow-all' },
      },
      { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' }, spec: {} },
      {
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Trigger',
        metadata: { name: 'all' },
        spec: { broker: 'default', subscriber: { uri: subscriber.url } },
      },
    ],
  });
  cleanup.push(() => mesh.stop(0));
  return mesh;
}

async function subscriber() {
  const started = await startSubscriber();
  cleanup.push(() => started.close());
  return started;
}

const send = (url: string, id: string, authorization?: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-source': '/warehouse',
      'ce-type': 'io.stockflow.goods.received',
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: '{}',
  });

describe('broker ingress sender authentication (OIDC, pkg/auth/verifier.go)', () => {
  it('refuses missing, malformed and forged tokens with 401 and accepts a token from its issuer', async () => {
    const sub = await subscriber();
    const mesh = await meshTo(sub, undefined);
    const good = await mesh.issuer.issue(SENDER, brokerAudience('default', 'default'));
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
    const refusals = [
      undefined,
      '',
      `Bearer ${good.slice(0, -2)}`,
      `Bearer ${forged}`,
      `Basic ${Buffer.from(`user:${good}`).toString('base64')}`,
      `Bearer ${good} ${good}`,
      good,
    ];
    for (const [index, authorization] of refusals.entries()) {
      const res = await send(mesh.ingressUrl(), `refused-${index}`, authorization);
      await expectProblem(res, [401]);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await send(mesh.ingressUrl(), 'accepted', `Bearer ${good}`)).status).toBe(202);
    await sub.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.requests.map((r) => r.headers['ce-id'])).toEqual(['accepted']);
    // The sender's token is the ingress's business: it is not passed on (the subscriber has no audience).
    expect(sub.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("lets a function's outbox deliver with its token file, and keeps its events pending without it", async () => {
    const sub = await subscriber();
    const mesh = await meshTo(sub, undefined);
    const token = await mesh.issuer.issue(
      sinkBindingSubject('catalog'),
      brokerAudience('default', 'default'),
    );
    const dir = await mkdtemp(join(tmpdir(), 'oidc-'));
    cleanup.push(() => rm(dir, { recursive: true }));
    const start = (withFile: boolean) => {
      const file = join(dir, withFile ? 'token' : 'absent');
      const fn = catalog.create({
        env: testEnv('broker-auth', { ADMIN_TOKEN, K_SINK: mesh.ingressUrl(), OIDC_TOKEN_FILE: file }),
        outbox: { baseDelayMs: 20, maxDelayMs: 50 },
      });
      cleanup.push(async () => {
        await fn.rt.outbox.drain(200);
        await fn.rt.close();
      });
      return fn;
    };
    const create = (fn: ReturnType<typeof start>, sku: string) =>
      fn.app.request('/products', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sku, name: sku, priceCents: 1, currency: 'EUR' }),
      });

    await writeFile(join(dir, 'token'), token);
    const withToken = start(true);
    expect((await create(withToken, 'WITH-TOKEN')).status).toBe(201);
    const [delivered] = await sub.waitFor(1);
    expect(delivered!.headers['ce-type']).toBe('io.stockflow.product.created');

    const without = start(false);
    expect((await create(without, 'NO-TOKEN')).status).toBe(201);
    await expect.poll(() => without.rt.outbox.stats().failures, { timeout: 5_000 }).toBeGreaterThan(1);
    expect(without.rt.outbox.stats().sent).toBe(0);
    expect(sub.requests).toHaveLength(1);
  });
});

describe('broker ingress rate limit per sender address', () => {
  it('answers beyond the limit with 429 and Retry-After, counting refused tokens too', async () => {
    const sub = await subscriber();
    const mesh = await meshTo(sub, { rateLimit: { limit: 3, windowMs: 60_000 } });
    const TOKEN = await mesh.issuer.issue(SENDER, brokerAudience('default', 'default'));
    expect((await send(mesh.ingressUrl(), 'a', `Bearer ${TOKEN}`)).status).toBe(202);
    expect((await send(mesh.ingressUrl(), 'b', 'Bearer guess')).status).toBe(401);
    expect((await send(mesh.ingressUrl(), 'c', `Bearer ${TOKEN}`)).status).toBe(202);
    const limited = await send(mesh.ingressUrl(), 'd', `Bearer ${TOKEN}`);
    const problem = await expectProblem(limited, [429]);
    expect(problem.title).toBe('Too Many Requests');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await sub.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.requests.map((r) => r.headers['ce-id']).sort()).toEqual(['a', 'c']);
  });

  it('is off by default: a burst from one address is accepted', async () => {
    const sub = await subscriber();
    const mesh = await meshTo(sub, undefined);
    const token = `Bearer ${await mesh.issuer.issue(SENDER, brokerAudience('default', 'default'))}`;
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(mesh.ingressUrl(), `burst-${i}`, token).then((res) => res.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([202]));
  });
});
