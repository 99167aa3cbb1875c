/**
 * The rate limit keys on the real client behind Knative. Each ingress path is modelled by the
 * `X-Forwarded-For` each hop really writes (docs/deploy.md, "Proxy hops"):
 * - GKE's external Application Load Balancer writes `<client>, <load balancer IP>` after whatever
 *   the client sent (Google Cloud docs, "X-Forwarded-For header");
 * - Kourier (Envoy with `use_remote_address`) appends its peer: a Google Front End behind the load
 *   balancer, the client on Knative alone;
 * - the activator, when in the path, and the queue-proxy (Go's httputil.ReverseProxy) each append
 *   their peer's pod address; web's own peer is the queue-proxy on 127.0.0.1.
 * The manifests set TRUSTED_PROXY_HOPS for the path they deploy and keep the activator out of it;
 * two shoppers behind the same hops get two buckets, a forged entry changes nothing, IPv6 clients
 * count by /64.
 */
import { serve } from '@hono/node-server';
import { serveFunction } from '@stockflow/kit';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { web } from '../../web/server/app.ts';
import { addressKey, clientKey } from '../../web/server/client-address.ts';
import { renderKustomization, renderOverlay } from '../deploy/manifests.ts';

const GFE = '35.191.7.12'; // a Google Front End (35.191.0.0/16)
const LB = '34.120.9.9'; // the load balancer's forwarding rule
const KOURIER_POD = '10.8.1.7';
const ACTIVATOR_POD = '10.8.2.3';

interface Path {
  name: string;
  hops: number;
  /** X-Forwarded-For as web receives it for a client that itself sent `claimed`. */
  header(client: string, claimed?: string): string;
}

const join = (...entries: Array<string | undefined>) => entries.filter(Boolean).join(', ');

/** The ingress paths, by what each hop appends. */
const PATHS: Path[] = [
  {
    name: 'GKE load balancer → Kourier → queue-proxy',
    hops: 4,
    header: (client, claimed) => join(claimed, client, LB, GFE, KOURIER_POD),
  },
  {
    name: 'GKE load balancer → Kourier → activator → queue-proxy',
    hops: 5,
    header: (client, claimed) => join(claimed, client, LB, GFE, KOURIER_POD, ACTIVATOR_POD),
  },
  {
    name: 'Kourier → queue-proxy (Knative alone)',
    hops: 2,
    header: (client, claimed) => join(claimed, client, KOURIER_POD),
  },
  {
    name: 'Kourier → activator → queue-proxy',
    hops: 3,
    header: (client, claimed) => join(claimed, client, KOURIER_POD, ACTIVATOR_POD),
  },
];

/** The key web computes for a request with these headers, trusting `hops`. */
async function keyOf(headers: Record<string, string>, hops: number): Promise<string> {
  const app = new Hono();
  app.get('/', (c) => c.text(clientKey(c, hops)));
  return (await app.request('/', { headers })).text();
}

describe('the client behind each ingress path', () => {
  it.each(PATHS)('$name: the client the load balancer or Kourier saw, whatever it claims', async (path) => {
    for (const client of ['198.51.100.23', '203.0.113.4']) {
      expect(await keyOf({ 'x-forwarded-for': path.header(client) }, path.hops)).toBe(client);
      expect(await keyOf({ 'x-forwarded-for': path.header(client, '192.0.2.1, 10.0.0.1') }, path.hops)).toBe(
        client,
      );
    }
  });

  it('keys an IPv6 client by its /64, and an IPv4-mapped one as IPv4', async () => {
    const [gke] = PATHS;
    const a = await keyOf({ 'x-forwarded-for': gke!.header('2001:db8:aa:bb:1:2:3:4') }, 4);
    const sameHost = await keyOf({ 'x-forwarded-for': gke!.header('2001:db8:aa:bb:ffff::9') }, 4);
    const neighbour = await keyOf({ 'x-forwarded-for': gke!.header('2001:db8:aa:bc::1') }, 4);
    expect(a).toBe('2001:db8:aa:bb::/64');
    expect(sameHost).toBe(a);
    expect(neighbour).not.toBe(a);
    expect(addressKey('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::ffff:7.8.9.10'.replace('::ffff:', ''))).toBe('7.8.9.10');
    expect(await keyOf({ 'x-forwarded-for': join('::ffff:198.51.100.8', LB, GFE, KOURIER_POD) }, 4)).toBe(
      '198.51.100.8',
    );
  });

  it('falls back to the socket peer when a hop wrote garbage or too few entries (never a key the client picks)', async () => {
    // In memory there is no socket: the shared `unknown` key, not what the header says.
    expect(await keyOf({ 'x-forwarded-for': join('not-an-ip', LB, GFE, KOURIER_POD) }, 4)).toBe('unknown');
    expect(await keyOf({ 'x-forwarded-for': join(GFE, KOURIER_POD) }, 4)).toBe('unknown');
  });
});

describe('the manifests trust the hops of the path they deploy', () => {
  const webOf = (docs: ReturnType<typeof renderOverlay>) =>
    docs.find(
      (d) => d.kind === 'Service' && d.apiVersion === 'serving.knative.dev/v1' && d.metadata.name === 'web',
    )!;
  const hopsOf = (service: ReturnType<typeof webOf>) =>
    Number(
      (service.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).find(
        (v) => v.name === 'TRUSTED_PROXY_HOPS',
      )?.value,
    );

  it('base (Knative with Kourier): 2; gke (the load balancer in front): 4', () => {
    expect(hopsOf(webOf(renderKustomization('knative/base')))).toBe(PATHS[2]!.hops);
    expect(hopsOf(webOf(renderOverlay('gke')))).toBe(PATHS[0]!.hops);
  });

  it('keeps the activator out of the path, so the count holds (target-burst-capacity 0, min-scale ≥ 1)', () => {
    for (const docs of [renderOverlay('gke'), renderOverlay('local')]) {
      const annotations = webOf(docs).spec.template.metadata.annotations as Record<string, string>;
      expect(annotations['autoscaling.knative.dev/target-burst-capacity']).toBe('0');
      expect(Number(annotations['autoscaling.knative.dev/min-scale'])).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('POST /api/orders behind the GKE hops, through a real web', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('gives two shoppers two buckets, and a shopper forging entries still one', async () => {
    // An upstream orders that accepts every order: only web's limit is under test.
    const upstream = new Hono().post('/', (c) => c.json({}, 202));
    const server = serve({ fetch: upstream.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;

    const fn = web.create({
      env: {
        LOG_LEVEL: 'silent',
        UPSTREAM_ORDERS: `http://127.0.0.1:${port}`,
        ORDER_RATE_LIMIT: '2',
        TRUSTED_PROXY_HOPS: '4',
      },
    });
    const serving = await serveFunction(fn, { port: 0, hostname: '127.0.0.1' });
    stops.push(() => serving.shutdown());
    const place = (xff: string) =>
      fetch(`http://127.0.0.1:${serving.port}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': xff },
        body: '{}',
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    const gke = PATHS[0]!;
    const ada = gke.header('198.51.100.1');
    const bob = gke.header('198.51.100.2');
    expect([await place(ada), await place(ada), await place(ada)]).toEqual([202, 202, 429]);
    expect([await place(bob), await place(bob)]).toEqual([202, 202]);
    // Ada forging another address in front of hers is still Ada.
    expect(await place(gke.header('198.51.100.1', '198.51.100.77'))).toBe(429);
  });
});
