import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getJson } from './get-json.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server answering `status` and `body`; the request headers it saw. */
async function serve(status: number, body: string | Buffer, delayMs = 0) {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`, seen };
}

describe('getJson', () => {
  it('answers the status and the parsed body, sending the headers given (a Headers or a record)', async () => {
    const s = await serve(200, '{"keys":[{"kid":"a"}]}');
    const answer = await getJson(s.url, { headers: new Headers({ 'user-agent': 'jose/test' }) });
    expect(answer).toMatchObject({ status: 200, ok: true });
    expect(await answer.json()).toEqual({ keys: [{ kid: 'a' }] });
    await getJson(new URL(s.url), { headers: { 'x-probe': '1' } });
    expect(s.seen[0]).toMatchObject({ 'user-agent': 'jose/test', accept: 'application/json' });
    expect(s.seen[1]).toMatchObject({ 'x-probe': '1' });
  });

  it('answers a failure status as not ok, and a body that is not JSON fails when read', async () => {
    const s = await serve(503, 'down');
    const answer = await getJson(s.url);
    expect(answer).toMatchObject({ status: 503, ok: false });
    await expect(answer.json()).rejects.toThrow(SyntaxError);
  });

  it('gives up when its signal aborts, and refuses a body over 1 MiB', async () => {
    const slow = await serve(200, '{}', 2_000);
    await expect(getJson(slow.url, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server!.closeAllConnections();
    const big = await serve(200, Buffer.alloc(2 * 1024 * 1024, 0x20));
    await expect(getJson(big.url)).rejects.toThrow(/more than/);
  });

  it('rejects when nothing listens', async () => {
    const s = await serve(200, '{}');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(getJson(s.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
