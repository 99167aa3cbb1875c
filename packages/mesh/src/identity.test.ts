/**
 * Sender identity and authorization on a real mesh over HTTP, as knative/eventing does them with
 * `authentication-oidc` on: the ingress check of pkg/broker/ingress/ingress_handler.go through
 * pkg/auth/verifier.go `VerifyRequest` (401, then EventPolicies or default-authorization-mode, 403;
 * the EventPolicy cases of test/rekt/features/authz/addressable_authz_conformance.go: allowed,
 * rejected, filtered), and the tokens the dispatcher attaches (pkg/broker/filter/filter_handler.go,
 * pkg/auth/token_provider.go).
 */
import { createLogger } from '@stockflow/kit';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createIssuer } from './auth/issuer.ts';
import { brokerAudience } from './auth/names.ts';
import type { ManifestObject } from './manifests.ts';
import { type Mesh, type MeshOptions, startMesh } from './mesh.ts';
import { startSubscriber, type TestSubscriber } from './testing.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
const quiet = createLogger({ service: 'mesh', level: 'silent' });
const AUDIENCE = brokerAudience('default', 'default');
const WAREHOUSE = 'system:serviceaccount:default:warehouse';
const ORDERS = 'system:serviceaccount:default:orders-oidc-sources.knative.dev-sinkbinding';

const features = (data: Record<string, string>): ManifestObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config-features', namespace: 'knative-eventing' },
  data,
});
const ON = features({ 'authentication-oidc': 'enabled', 'default-authorization-mode': 'deny-all' });
const broker = (delivery?: object): ManifestObject => ({
  apiVersion: 'eventing.knative.dev/v1',
  kind: 'Broker',
  metadata: { name: 'default' },
  spec: { delivery },
});
const trigger = (name: string, subscriber: object, delivery?: object): ManifestObject => ({
  apiVersion: 'eventing.knative.dev/v1',
  kind: 'Trigger',
  metadata: { name },
  spec: { broker: 'default', subscriber, delivery },
});
const ordersBinding: ManifestObject = {
  apiVersion: 'sources.knative.dev/v1',
  kind: 'SinkBinding',
  metadata: { name: 'orders' },
  spec: {
    subject: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'orders' },
    sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } },
  },
};
/** As identity.md's generated policies: one per producer, `to` the Broker, filters its types. */
const policies: ManifestObject[] = [
  {
    apiVersion: 'eventing.knative.dev/v1alpha1',
    kind: 'EventPolicy',
    metadata: { name: 'warehouse-publishes' },
    spec: {
      to: [{ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } }],
      from: [{ sub: WAREHOUSE }],
      filters: [
        { exact: { type: 'io.stockflow.goods.received' } },
        { prefix: { source: '/partners/warehouse' } },
      ],
    },
  },
  {
    apiVersion: 'eventing.knative.dev/v1alpha1',
    kind: 'EventPolicy',
    metadata: { name: 'orders-publishes' },
    spec: {
      to: [{ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } }],
      from: [{ ref: { apiVersion: 'sources.knative.dev/v1', kind: 'SinkBinding', name: 'orders' } }],
      filters: [
        { any: [{ exact: { type: 'io.stockflow.order.placed' } }] },
        { exact: { source: '/orders' } },
      ],
    },
  },
];

async function mesh(objects: ManifestObject[], options: Partial<MeshOptions> = {}): Promise<Mesh> {
  const started = await startMesh({ objects, log: quiet, ...options });
  cleanup.push(() => started.stop(0));
  return started;
}
async function subscriber(...args: Parameters<typeof startSubscriber>): Promise<TestSubscriber> {
  const started = await startSubscriber(...args);
  cleanup.push(() => started.close());
  return started;
}
function send(m: Mesh, token: string | undefined, attributes: Record<string, string> = {}) {
  return fetch(m.ingressUrl(), {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': attributes.id ?? `evt-${Math.random()}`,
      'ce-source': attributes.source ?? '/partners/warehouse',
      'ce-type': attributes.type ?? 'io.stockflow.goods.received',
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: '{"productId":"p-1","quantity":3,"reference":"r-1"}',
  });
}
async function expectRefused(res: Response, status: 401 | 403) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await res.json()) as { status: number; detail: string };
  expect(problem.status).toBe(status);
  if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  return problem;
}

describe('the mesh as OIDC issuer (the API server role: /.well-known/openid-configuration, /openid/v1/jwks)', () => {
  it('serves a discovery document and JWKS that verify the tokens it issues, with the claims Kubernetes sets', async () => {
    const m = await mesh([ON, broker()]);
    const discovery = (await (await fetch(`${m.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    expect(discovery.issuer).toBe(m.url);
    expect(discovery.jwks_uri).toBe(`${m.url}/openid/v1/jwks`);
    const jwks = await (await fetch(discovery.jwks_uri!)).json();
    const token = await m.issuer.issue(WAREHOUSE, AUDIENCE);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: m.url,
      audience: AUDIENCE,
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: m.issuer.privateJwk.kid });
    expect(payload.sub).toBe(WAREHOUSE);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.nbf).toBe(payload.iat);
  });
});

describe('broker ingress with authentication-oidc (VerifyRequest)', () => {
  it('refuses with 401 no token, a wrong audience, an expired token and another issuer; journals and delivers nothing', async () => {
    const sub = await subscriber();
    const m = await mesh([ON, broker(), trigger('all', { uri: sub.url }), ordersBinding, ...policies]);
    const foreign = await createIssuer('http://127.0.0.1:1');
    const sameUrlOtherKey = await createIssuer(m.url);
    const tokens = {
      none: undefined,
      wrongAudience: await m.issuer.issue(WAREHOUSE, 'orders'),
      expired: await m.issuer.issue(WAREHOUSE, AUDIENCE, { now: Date.now() - 2 * 3600_000 }),
      foreignIssuer: await foreign.issue(WAREHOUSE, AUDIENCE),
      foreignKey: await sameUrlOtherKey.issue(WAREHOUSE, AUDIENCE),
      garbage: 'not-a-jwt',
    };
    const details: Record<string, string> = {};
    for (const [name, token] of Object.entries(tokens)) {
      details[name] = (await expectRefused(await send(m, token), 401)).detail;
    }
    expect(details.wrongAudience).toMatch(/another audience/);
    expect(details.expired).toMatch(/expired/);
    expect(m.stats().accepted).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.requests).toHaveLength(0);
  });

  it("accepts an allowed identity's event once (202), refuses its types outside the policy's filters and subjects no policy names (403)", async () => {
    const sub = await subscriber();
    const m = await mesh([ON, broker(), trigger('all', { uri: sub.url }), ordersBinding, ...policies]);
    const warehouse = await m.issuer.issue(WAREHOUSE, AUDIENCE);
    const orders = await m.issuer.issue(ORDERS, AUDIENCE);
    const stranger = await m.issuer.issue('system:serviceaccount:default:stranger', AUDIENCE);

    expect((await send(m, warehouse, { id: 'goods-1' })).status).toBe(202);
    const outside = await expectRefused(
      await send(m, warehouse, { type: 'io.stockflow.product.updated' }),
      403,
    );
    expect(outside.detail).toMatch(/warehouse-publishes allows .*warehouse, but not this event/);
    // The partner's policy binds its source too (prefix /partners/warehouse).
    await expectRefused(await send(m, warehouse, { source: '/inventory' }), 403);
    // Another function's identity may not send the partner's type, nor a type of its own with a forged source.
    await expectRefused(
      await send(m, orders, { type: 'io.stockflow.goods.received', source: '/orders' }),
      403,
    );
    await expectRefused(
      await send(m, orders, { type: 'io.stockflow.order.placed', source: '/inventory' }),
      403,
    );
    expect(
      (await send(m, orders, { id: 'order-1', type: 'io.stockflow.order.placed', source: '/orders' })).status,
    ).toBe(202);
    const nobody = await expectRefused(await send(m, stranger), 403);
    expect(nobody.detail).toMatch(
      /no EventPolicy of this broker allows system:serviceaccount:default:stranger/,
    );

    await sub.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.requests.map((r) => r.headers['ce-id']).sort()).toEqual(['goods-1', 'order-1']);
    expect(m.stats().accepted).toBe(2);
  });

  it('a token verified once is refused once it expires (the verified-token cache checks exp each time)', async () => {
    const m = await mesh([ON, broker(), ordersBinding, ...policies]);
    // Times are whole seconds: a 1 s lifetime could end a few ms after issuing (a flake on a busy
    // machine). 2 s leaves at least 1 s for the two sends, and is surely over 3.1 s later.
    const shortLived = await m.issuer.issue(WAREHOUSE, AUDIENCE, { lifetimeSeconds: 2 });
    expect((await send(m, shortLived)).status).toBe(202);
    expect((await send(m, shortLived)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect((await expectRefused(await send(m, shortLived), 401)).detail).toMatch(/expired/);
  });

  it.each([
    ['deny-all', 'system:serviceaccount:default:anyone', 403],
    ['allow-same-namespace', 'system:serviceaccount:default:anyone', 202],
    ['allow-same-namespace', 'system:serviceaccount:elsewhere:anyone', 403],
    ['allow-all', 'system:serviceaccount:elsewhere:anyone', 202],
  ] as const)(
    'with no EventPolicy, default-authorization-mode %s: %s -> %i',
    async (mode, subject, status) => {
      const m = await mesh([
        features({ 'authentication-oidc': 'enabled', 'default-authorization-mode': mode }),
        broker(),
      ]);
      const res = await send(m, await m.issuer.issue(subject, AUDIENCE));
      expect(res.status).toBe(status);
    },
  );

  it('without config-features (Knative defaults: OIDC off) accepts unauthenticated events and attaches no tokens', async () => {
    const sub = await subscriber();
    const m = await mesh([broker(), trigger('all', { uri: sub.url, audience: 'orders' })]);
    expect(m.features).toEqual({
      oidc: false,
      defaultAuthorizationMode: 'allow-same-namespace',
      transportEncryption: 'disabled',
    });
    expect((await send(m, undefined)).status).toBe(202);
    const [delivered] = await sub.waitFor(1);
    expect(delivered!.headers.authorization).toBeUndefined();
  });

  it('STOCKFLOW_INSECURE_EVENTS (insecure) turns identity off over config-features, with a warning', async () => {
    const lines: string[] = [];
    const sub = await subscriber();
    const m = await mesh(
      [ON, broker(), trigger('all', { uri: sub.url, audience: 'orders' }), ordersBinding, ...policies],
      {
        insecure: true,
        log: createLogger({ service: 'mesh', level: 'info', write: (line) => lines.push(line) }),
      },
    );
    expect(m.features.oidc).toBe(false);
    expect(
      lines.some(
        (line) => line.includes('"severity":"WARNING"') && line.includes('STOCKFLOW_INSECURE_EVENTS=1'),
      ),
    ).toBe(true);
    expect((await send(m, undefined, { type: 'io.stockflow.product.updated' })).status).toBe(202);
    expect((await sub.waitFor(1))[0]!.headers.authorization).toBeUndefined();
  });
});

describe("tokens on deliveries (filter_handler.go WithOIDCAuthentication: the Trigger's identity, the destination's audience)", () => {
  const claimsOf = (header: string | string[] | undefined) => {
    const token = String(header).replace(/^Bearer /, '');
    return { claims: decodeJwt(token), header: decodeProtectedHeader(token), token };
  };

  it("sends the Trigger's identity for the subscriber's audience, and none to a destination without one", async () => {
    const withAudience = await subscriber();
    const without = await subscriber();
    const m = await mesh([
      ON,
      broker(),
      trigger('orders-stock-reserved', { uri: `${withAudience.url}/events`, audience: 'orders' }),
      trigger('no-audience', { uri: without.url }),
      ordersBinding,
      ...policies,
    ]);
    expect((await send(m, await m.issuer.issue(WAREHOUSE, AUDIENCE), { id: 'a' })).status).toBe(202);
    expect((await send(m, await m.issuer.issue(WAREHOUSE, AUDIENCE), { id: 'b' })).status).toBe(202);
    const [first, second] = await withAudience.waitFor(2);
    const { claims, header, token } = claimsOf(first!.headers.authorization);
    expect(claims).toMatchObject({
      iss: m.url,
      sub: 'system:serviceaccount:default:orders-stock-reserved-oidc-eventing.knative.dev-trigger',
      aud: 'orders',
    });
    expect(header.kid).toBe(m.issuer.privateJwk.kid);
    await expect(m.issuer.verify(token, 'orders')).resolves.toMatchObject({ subject: claims.sub });
    // Cached per (subject, audience): the second delivery carries the same token, signed once.
    expect(second!.headers.authorization).toBe(first!.headers.authorization);
    await without.waitFor(2);
    expect(without.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });

  it("dead letters carry the Trigger's identity with the dead-letter sink's audience", async () => {
    const failing = await subscriber(() => ({ status: 500 }));
    const dls = await subscriber();
    const m = await mesh([
      ON,
      broker(),
      trigger(
        'orders-product-created',
        { uri: failing.url, audience: 'orders' },
        { retry: 0, deadLetterSink: { uri: `${dls.url}/dead-letters`, audience: 'ledger' } },
      ),
      ...policies,
      ordersBinding,
    ]);
    expect((await send(m, await m.issuer.issue(WAREHOUSE, AUDIENCE))).status).toBe(202);
    const [dead] = await dls.waitFor(1);
    expect(claimsOf(dead!.headers.authorization).claims).toMatchObject({
      sub: 'system:serviceaccount:default:orders-product-created-oidc-eventing.knative.dev-trigger',
      aud: 'ledger',
    });
    expect(claimsOf(failing.requests[0]!.headers.authorization).claims.aud).toBe('orders');
  });

  it("a PingSource's ticks carry the PingSource's own identity", async () => {
    const sink = await subscriber();
    const m = await mesh([
      ON,
      broker(),
      {
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        metadata: { name: 'orders-outbox-sweep' },
        spec: { schedule: '@every 1s', sink: { uri: `${sink.url}/events`, audience: 'orders' } },
      },
    ]);
    const [tick] = await sink.waitFor(1, 5_000);
    expect(claimsOf(tick!.headers.authorization).claims).toMatchObject({
      iss: m.url,
      sub: 'system:serviceaccount:default:orders-outbox-sweep-oidc-sources.knative.dev-pingsource',
      aud: 'orders',
    });
  });
});
