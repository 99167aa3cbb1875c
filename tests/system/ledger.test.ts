/**
 * The ledger through the local stack, over real HTTP between real processes: every event posted to
 * the broker is listed by the ledger; a consumer that fails for good produces a dead letter carrying
 * Knative's error extensions; once the fault is fixed, replaying it applies it exactly once, however
 * often it is replayed. The consumer is the kit's counter function behind a switchable fault.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';
import { startSubscriber, type TestSubscriber } from '../../packages/mesh/src/testing.ts';
import { COUNTER_ENTRY, counterSystemManifests, LEDGER_DEAD_LETTERS } from './fixtures.ts';
import { startTestStack, type TestStack } from './stack.ts';

/** The ledger's own manifest (knative/base/ledger.yaml) plus a counter consumer reached through `faultUrl`. */
function manifests(faultUrl: string): string {
  return `${counterSystemManifests({ retry: 1, deadLetterToLedger: true })}---
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
    uri: ${faultUrl}/events
  delivery:
    retry: 2
    backoffPolicy: exponential
    backoffDelay: PT0.1S
    deadLetterSink:${LEDGER_DEAD_LETTERS}
`;
}

describe('the ledger in the stack: log, dead letter, fix, replay', () => {
  let dir: string;
  let fault: TestSubscriber;
  let stack: TestStack;
  let broken = true;
  const admin = () => ({ authorization: `Bearer ${stack.adminToken}` });
  const ledger = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.urls.services.ledger}${path}`, { ...init, headers: { ...admin(), ...init.headers } });
  const counterValue = async () => {
    const res = await fetch(`${stack.urls.services.counter}/counters/c1`);
    return res.ok ? ((await res.json()) as { value: number }).value : undefined;
  };

  beforeAll(async () => {
    // The consumer's fault: a 500 with a problem body while broken, else the counter itself.
    fault = await startSubscriber(async (request) => {
      if (broken) {
        return {
          status: 500,
          headers: { 'content-type': 'application/problem+json' },
          body: '{"title":"Internal Server Error","detail":"counter store unavailable"}',
        };
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers))
        if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value;
      const res = await fetch(`${stack.urls.services.counter}${request.path}`, {
        method: request.method,
        headers,
        body: new Uint8Array(request.body),
      });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    });
    dir = mkdtempSync(join(tmpdir(), 'stockflow-ledger-'));
    writeFileSync(join(dir, 'fixture.yaml'), manifests(fault.url));
    copyFileSync(join(REPO_ROOT, 'knative/base/ledger.yaml'), join(dir, 'ledger.yaml'));
    stack = await startTestStack({
      manifests: dir,
      entries: { counter: COUNTER_ENTRY },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await fault?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let deadLetterId: string;

  it('lists an event sent to the broker', async () => {
    const status = await stack.publish({
      id: 'inc-1',
      source: '/tests/system',
      type: 'test.counter.increment',
      subject: 'c1',
      data: { counter: 'c1', by: 2 },
    });
    expect(status).toBe(202);
    await expect
      .poll(
        async () => {
          const res = await ledger('/events?subject=c1');
          const { items } = (await res.json()) as { items: Array<{ event: { id: string } }> };
          return items.map((i) => i.event.id);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual(['inc-1']);
  });

  it("keeps the event the consumer failed for good as a dead letter, with Knative's error extensions", async () => {
    await expect
      .poll(
        async () => {
          const { items } = (await (await ledger('/dead-letters')).json()) as { items: unknown[] };
          return items.length;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1);
    const { items } = (await (await ledger('/dead-letters')).json()) as {
      items: Array<{ id: string; destination: string; errorCode: number; errorData: string; event: object }>;
    };
    const [dead] = items;
    expect(dead).toMatchObject({
      status: 'dead',
      destination: `${fault.url}/events`,
      errorCode: 500,
      event: {
        id: 'inc-1',
        source: '/tests/system',
        type: 'test.counter.increment',
        data: { counter: 'c1', by: 2 },
      },
    });
    expect(dead!.errorData).toContain('counter store unavailable');
    // The first attempt and two retries, then the dead letter; nothing was applied.
    expect(fault.requests).toHaveLength(3);
    expect(await counterValue()).toBeUndefined();
    deadLetterId = dead!.id;
  });

  it('applies the replayed event exactly once after the fault is fixed, however often it is replayed', async () => {
    broken = false;
    const res = await ledger(`/dead-letters/${deadLetterId}/replay`, { method: 'POST' });
    expect(res.status).toBe(202);
    await expect.poll(counterValue, { timeout: 20_000, interval: 200 }).toBe(2);
    const replayed = fault.requests.at(-1)!;
    expect(replayed.headers).toMatchObject({ 'ce-id': 'inc-1', 'ce-source': '/tests/system' });
    expect(replayed.headers['ce-stockflowreplay']).toMatch(/^\d{4}-\d\d-\d\dT/);

    // A second replay reaches the consumer again, whose deduplication makes it a no-op.
    const deliveries = fault.requests.length;
    expect((await ledger(`/dead-letters/${deadLetterId}/replay`, { method: 'POST' })).status).toBe(202);
    await expect.poll(() => fault.requests.length, { timeout: 20_000, interval: 100 }).toBe(deliveries + 1);
    expect(fault.requests.at(-1)!.headers['ce-id']).toBe('inc-1');
    expect(await counterValue()).toBe(2);

    const dead = (await (await ledger(`/dead-letters/${deadLetterId}`)).json()) as object;
    expect(dead).toMatchObject({ status: 'replayed', replays: 2, failures: 1 });
    // The replays are the same event (source, id): the log still holds it once.
    const { items } = (await (await ledger('/events?subject=c1')).json()) as { items: unknown[] };
    expect(items).toHaveLength(1);
  });
});
