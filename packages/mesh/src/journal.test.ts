/**
 * The mesh's journal over real HTTP on 127.0.0.1 and a real file: what a stopped mesh accepted and
 * had not delivered reaches its subscriber through the next mesh on the same journal, once; what was
 * delivered or dead-lettered is not sent again; a line cut short by a crash is ignored.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stockflow/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from './journal.ts';
import type { ManifestObject } from './manifests.ts';
import { type Mesh, startMesh } from './mesh.ts';
import { startSubscriber, type TestSubscriber } from './testing.ts';

const quiet = createLogger({ service: 'mesh', level: 'silent' });
const cleanup: Array<() => Promise<unknown>> = [];
let dir: string;
let journal: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mesh-journal-'));
  journal = join(dir, 'journal.jsonl');
});
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
  await rm(dir, { recursive: true, force: true });
});

function objects(subscriber: string, deadLetterSink?: string): ManifestObject[] {
  return [
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: { name: 'default' },
      spec: {
        delivery: {
          retry: 1,
          timeout: 'PT0.2S',
          ...(deadLetterSink ? { deadLetterSink: { uri: deadLetterSink } } : {}),
        },
      },
    },
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: { name: 'all' },
      spec: { broker: 'default', subscriber: { uri: subscriber } },
    },
  ];
}

async function mesh(subscriber: string, port = 0, deadLetterSink?: string): Promise<Mesh> {
  const started = await startMesh({
    objects: objects(subscriber, deadLetterSink),
    log: quiet,
    port,
    journal,
  });
  cleanup.push(() => started.stop(0));
  return started;
}

async function subscriber(...args: Parameters<typeof startSubscriber>): Promise<TestSubscriber> {
  const started = await startSubscriber(...args);
  cleanup.push(() => started.close());
  return started;
}

function publish(m: Mesh, id: string) {
  return fetch(m.ingressUrl(), {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-source': '/warehouse',
      'ce-type': 'io.stockflow.goods.received',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ id }),
  });
}

const ids = (s: TestSubscriber) => s.requests.map((r) => r.headers['ce-id']);

describe('the mesh journal', () => {
  it('delivers through the next mesh what a stopped mesh accepted and had not delivered, once', async () => {
    // The subscriber never answers while the first mesh runs: its deliveries are cut short by the stop.
    const sub = await subscriber(() => new Promise(() => {}));
    const first = await mesh(`${sub.url}/events`);
    expect((await publish(first, 'e-1')).status).toBe(202);
    expect((await publish(first, 'e-2')).status).toBe(202);
    await sub.waitFor(2);
    await first.stop(0);
    expect(first.stats()).toMatchObject({ accepted: 2, delivered: 0, deadLettered: 0, dropped: 0 });

    sub.respond(() => ({ status: 202 }));
    const before = sub.requests.length;
    const second = await mesh(`${sub.url}/events`, first.port);
    await expect.poll(() => second.stats().delivered).toBe(2);
    expect(second.stats()).toMatchObject({ resumed: 2, accepted: 0 });
    expect(ids(sub).slice(before).sort()).toEqual(['e-1', 'e-2']);
    await second.stop();

    // Both are done now: a third mesh has nothing to deliver.
    const third = await mesh(`${sub.url}/events`, first.port);
    expect(third.stats().resumed).toBe(0);
  });

  it('does not resend what was delivered or dead-lettered, and counts retries', async () => {
    const sub = await subscriber((request) =>
      request.headers['ce-id'] === 'broken' ? { status: 503 } : { status: 202 },
    );
    const dls = await subscriber();
    const first = await mesh(`${sub.url}/events`, 0, dls.url);
    await publish(first, 'fine');
    await publish(first, 'broken');
    await dls.waitFor(1);
    await expect.poll(() => first.stats()).toMatchObject({ delivered: 1, deadLettered: 1, retries: 1 });
    await first.stop();

    const second = await mesh(`${sub.url}/events`, first.port, dls.url);
    expect(second.stats().resumed).toBe(0);
    expect(sub.requests).toHaveLength(3);
    expect(dls.requests).toHaveLength(1);
  });

  it('answers 202 only once the event is in the file, and compacts the file on open', async () => {
    const sub = await subscriber(() => new Promise(() => {}));
    const m = await mesh(`${sub.url}/events`);
    await publish(m, 'kept');
    const lines = (await readFile(journal, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ a: 1, t: ['default/all'], at: { id: 'kept' } });
    await m.stop(0);

    // A crash mid-write leaves a line cut short: it is skipped, the rest is read.
    await appendFile(journal, '{"a":2,"ns":"default","b":"def');
    const { journal: reopened, pending } = await Journal.open(journal);
    expect(pending.map((p) => p.event.attributes.id)).toEqual(['kept']);
    reopened.settle(pending[0]!.seq, 'default/all');
    await reopened.close();
    const last = await Journal.open(journal);
    expect(last.pending).toEqual([]);
    await last.journal.close();
    expect(await readFile(journal, 'utf8')).toBe('');
  });
});
