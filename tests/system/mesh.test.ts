/**
 * The local stack end to end, over real HTTP between real processes: an event posted to the broker
 * ingress reaches a function through a Trigger (Knative subscriber `ref` + `uri: /events`), the
 * function's outbox publishes what it emits to K_SINK (set as the SinkBinding would), and the mesh
 * routes that on. Then the stack stops with no process and no port left.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';
import { startSubscriber, type TestSubscriber } from '../../packages/mesh/src/testing.ts';
import { COUNTER_ENTRY, counterSystemManifests } from './fixtures.ts';
import { startTestStack, type TestStack } from './stack.ts';

const refused = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => false,
    () => true,
  );

/** The Knative objects of a one-function system, as a function's knative/base/<name>.yaml has them. */
function counterManifests(watcherUrl: string): string {
  return `${counterSystemManifests({ retry: 3, publishes: true })}---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: counter-increment
spec:
  broker: default
  filter:
    attributes:
      type: test.counter.increment
  subscriber:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: counter
    uri: /events
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: watch-incremented
spec:
  broker: default
  filters:
    - exact:
        type: test.counter.incremented
        source: /counter
  subscriber:
    uri: ${watcherUrl}/watch
---
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata:
  name: counter-outbox-sweep
spec:
  schedule: "* * * * *"
  sink:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: counter
    uri: /events
`;
}

describe('a stack of fixture manifests: the kit counter function behind the mesh', () => {
  let dir: string;
  let watcher: TestSubscriber;
  let stack: TestStack;

  beforeAll(async () => {
    watcher = await startSubscriber();
    dir = mkdtempSync(join(tmpdir(), 'stockflow-mesh-'));
    writeFileSync(join(dir, 'counter.yaml'), counterManifests(watcher.url));
    stack = await startTestStack({
      manifests: dir,
      entries: { counter: COUNTER_ENTRY },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an event posted to the broker ingress is handled by the function its Trigger names', async () => {
    const status = await stack.publish({ type: 'test.counter.increment', data: { counter: 'c1', by: 2 } });
    expect(status).toBe(202);
    await expect
      .poll(
        async () => {
          const res = await fetch(`${stack.urls.services.counter}/counters/c1`);
          return res.ok ? ((await res.json()) as { value: number }).value : undefined;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(2);
  });

  it("the function's outbox publishes to K_SINK (the broker) and a Trigger routes it on", async () => {
    const [event] = await watcher.waitFor(1, 15_000);
    expect(event!.path).toBe('/watch');
    expect(event!.headers).toMatchObject({ 'ce-type': 'test.counter.incremented', 'ce-source': '/counter' });
    expect(JSON.parse(event!.body.toString())).toEqual({ counter: 'c1', value: 2 });
  });

  it('an invalid event gets 400 from the ingress and changes nothing', async () => {
    const status = await stack.publish({
      type: 'test.counter.increment',
      data: { counter: 'c1', by: 'two' },
    });
    expect(status).toBe(202); // the ingress checks the CloudEvent, not its data…
    const res = await fetch(stack.urls.broker, {
      method: 'POST',
      headers: { 'ce-specversion': '1.0' },
      body: '{}',
    });
    expect(res.status).toBe(400); // …but a CloudEvent without id, source or type never gets in
    await new Promise((resolve) => setTimeout(resolve, 300));
    const counter = (await (await fetch(`${stack.urls.services.counter}/counters/c1`)).json()) as {
      value: number;
    };
    expect(counter.value).toBe(2); // the function refused the bad data with 400: not retried, not applied
  });

  it('stop() leaves no process and no port behind', async () => {
    const urls = [stack.urls.services.counter!, stack.urls.mesh];
    await stack.stop();
    for (const url of urls) expect(await refused(`${url}/healthz`)).toBe(true);
  });
});

const inventoryDeclared =
  existsSync(join(REPO_ROOT, 'knative/base/inventory.yaml')) &&
  existsSync(join(REPO_ROOT, 'functions/inventory/src/main.ts'));

describe.skipIf(!inventoryDeclared)(
  "npm start's stack (knative/base): goods received reach inventory",
  () => {
    let stack: TestStack;

    beforeAll(async () => {
      stack = await startTestStack();
    });

    afterAll(async () => {
      await stack?.stop();
    });

    it('io.stockflow.goods.received posted to the broker shows as onHand in GET /stock/:productId', async () => {
      const productId = `p-${Date.now()}`;
      const status = await stack.publish({
        type: 'io.stockflow.goods.received',
        source: '/partners/warehouse',
        subject: productId,
        data: { productId, quantity: 7, reference: 'delivery-42' },
      });
      expect(status).toBe(202);
      const url = stack.urls.web
        ? `${stack.urls.web}/api/inventory/stock/${productId}`
        : `${stack.urls.services.inventory}/stock/${productId}`;
      await expect
        .poll(
          async () => {
            const res = await fetch(url, { headers: { authorization: `Bearer ${stack.adminToken}` } });
            return res.ok ? ((await res.json()) as { onHand?: number }).onHand : res.status;
          },
          { timeout: 20_000, interval: 200 },
        )
        .toBe(7);
    });
  },
);
