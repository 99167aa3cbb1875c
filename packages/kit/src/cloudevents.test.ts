import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventRecord, readCloudEvent, SinkError, sendEvent } from './cloudevents.ts';
import { Problem } from './problem.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A sink answering with `handler`; what it received, headers and body. */
async function sink(handler: (req: IncomingMessage, answer: (status: number) => void) => void) {
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(req, (status) => res.writeHead(status).end(status === 202 ? '' : 'no'));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received };
}

const record: EventRecord = {
  specversion: '1.0',
  id: 'e-1',
  source: '/orders',
  type: 'io.stockflow.order.placed',
  time: '2026-12-07T08:00:00.000Z',
  datacontenttype: 'application/json',
  data: { orderId: 'o-1' },
};

describe('sendEvent', () => {
  it('POSTs the event in binary mode with its token and trace context, and resolves on 2xx', async () => {
    const s = await sink((_req, answer) => answer(202));
    const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    await sendEvent(s.url, record, { timeoutMs: 1_000, token: 'tok', traceparent });
    expect(s.received).toHaveLength(1);
    const [{ headers, body }] = s.received as [(typeof s.received)[number]];
    expect(headers).toMatchObject({
      'ce-id': 'e-1',
      'ce-source': '/orders',
      'ce-type': 'io.stockflow.order.placed',
      'ce-specversion': '1.0',
      authorization: 'Bearer tok',
      traceparent,
    });
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({ orderId: 'o-1' });
  });

  it('rejects with the status when the sink answers other than 2xx', async () => {
    const s = await sink((_req, answer) => answer(503));
    const error = await sendEvent(s.url, record, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect(error).toMatchObject({ status: 503, message: 'sink answered 503' });
  });

  it('rejects when the sink does not answer in time, or cannot be reached', async () => {
    const s = await sink(() => undefined);
    await expect(sendEvent(s.url, record, { timeoutMs: 100 })).rejects.toThrow(/^sink unreachable/);
    await expect(sendEvent('http://127.0.0.1:9/', record, { timeoutMs: 1_000 })).rejects.toThrow(
      /^sink unreachable/,
    );
  });
});

describe('readCloudEvent', () => {
  const binary = (headers: Record<string, string>) =>
    new Headers({
      'ce-id': 'e-1',
      'ce-source': '/orders',
      'ce-type': 'io.stockflow.order.placed',
      'ce-specversion': '1.0',
      'content-type': 'application/json',
      ...headers,
    });

  it('reads a binary-mode event, and leaves the stack trace limit as it found it', async () => {
    const limit = Error.stackTraceLimit;
    const event = await readCloudEvent(binary({ 'ce-partition': 'p1' }), '{"orderId":"o-1"}');
    expect(event).toMatchObject({ id: 'e-1', type: 'io.stockflow.order.placed', partition: 'p1' });
    expect(event.data).toEqual({ orderId: 'o-1' });
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('answers an invalid event with a 400 that says why, the stack trace limit restored', async () => {
    const limit = Error.stackTraceLimit;
    const error = await readCloudEvent(binary({ 'ce-Bad_Name': 'x' }), '{}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(400);
    expect((error as Problem).detail).toMatch(/invalid attribute name|extension/i);
    const syntax = await readCloudEvent(binary({}), '{not json').catch((e: unknown) => e);
    expect((syntax as Problem).detail).toBe('The CloudEvent data is not valid JSON.');
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
