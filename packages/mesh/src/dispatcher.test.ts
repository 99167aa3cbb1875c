/**
 * The dispatcher's attempt timeout measures the subscriber, as Knative's `delivery.timeout` does: it
 * runs from the moment the request has a connection, never while it waits for one of the pool's
 * `maxSockets` (Knative's dispatcher opens as many connections as it needs).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeshEvent } from './cloudevent.ts';
import { DispatchError, Dispatcher } from './dispatcher.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const close of cleanup.splice(0)) close();
});

/** Answers each request after `delayMs(request index)` with 400, as a subscriber refusing it. */
async function subscriber(delayMs: (index: number) => number): Promise<URL> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    const index = count++;
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(400).end(), delayMs(index)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

function event(id: string): MeshEvent {
  return {
    attributes: { specversion: '1.0', id, source: '/test', type: 'io.stockflow.test' },
    data: Buffer.from('{}'),
  };
}

describe('Dispatcher timeout', () => {
  it('does not count the wait for a pooled connection against the subscriber', async () => {
    const url = await subscriber(() => 100);
    const dispatcher = new Dispatcher({ maxSockets: 1 });
    cleanup.push(() => dispatcher.close());
    // One connection, six requests: the last waits ~500 ms for it, past its 400 ms timeout, yet the
    // subscriber answers each within 100 ms.
    const answers = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => dispatcher.send(url, event(id), [], { timeoutMs: 400 })),
    );
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value.status : String(a.reason)))).toEqual(
      Array(6).fill(400),
    );
  });

  it('still gives up on a subscriber that answers too late, queued or not', async () => {
    const url = await subscriber((index) => (index === 1 ? 1_000 : 50));
    const dispatcher = new Dispatcher({ maxSockets: 1 });
    cleanup.push(() => dispatcher.close());
    const answers = await Promise.allSettled(
      ['a', 'b', 'c'].map((id) => dispatcher.send(url, event(id), [], { timeoutMs: 400 })),
    );
    expect(answers[0]).toMatchObject({ status: 'fulfilled', value: { status: 400 } });
    expect(answers[1]).toMatchObject({ status: 'rejected', reason: expect.any(DispatchError) });
    expect((answers[1] as PromiseRejectedResult).reason.message).toBe('no answer within 400 ms');
    expect(answers[2]).toMatchObject({ status: 'fulfilled', value: { status: 400 } });
  });

  it('sends nothing once closed', async () => {
    let received = 0;
    const url = await subscriber(() => {
      received++;
      return 0;
    });
    const dispatcher = new Dispatcher();
    dispatcher.close();
    await expect(dispatcher.send(url, event('late'), [])).rejects.toThrow('the dispatcher is closed');
    expect(received).toBe(0);
  });
});
