import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseReplicas } from '../cli/settings.ts';
import { type RoundRobin, startRoundRobin, startRoundRobinProcess } from './round-robin.ts';

/** An instance that answers with its name and the body it got; `/readyz` 200 while it runs. */
function instance(name: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${name}\n\n`);
        return;
      }
      res.writeHead(201, { 'x-instance': name }).end(`${name}:${Buffer.concat(chunks)}`);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const stop = (server: Server) => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};

describe('the round-robin in front of a Service with replicas', () => {
  const open: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  async function twoInstances(): Promise<{ a: Server; b: Server; rr: RoundRobin }> {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const rr = await startRoundRobin({ port: 0, instances: [urlOf(a), urlOf(b)] });
    open.push(rr, { close: () => stop(a) }, { close: () => stop(b) });
    return { a, b, rr };
  }
  const post = async (rr: RoundRobin) => {
    const res = await fetch(`${rr.url}/events`, { method: 'POST', body: 'e' });
    return { status: res.status, text: await res.text(), instance: res.headers.get('x-instance') };
  };

  it('takes turns, forwarding the body, status and headers', async () => {
    const { rr } = await twoInstances();
    const answers = [await post(rr), await post(rr), await post(rr), await post(rr)];
    expect(answers.map((a) => a.text)).toEqual(['a:e', 'b:e', 'a:e', 'b:e']);
    expect(answers.every((a) => a.status === 201)).toBe(true);
  });

  it('sends everything to the instance left when one is down, and answers 503 when none is up', async () => {
    const { a, b, rr } = await twoInstances();
    rr.markDown(urlOf(a));
    await stop(a);
    const answers = [await post(rr), await post(rr), await post(rr)];
    expect(answers.map((x) => `${x.status} ${x.text}`)).toEqual(['201 b:e', '201 b:e', '201 b:e']);
    rr.markDown(urlOf(b));
    await stop(b);
    const none = await post(rr);
    expect(none.status).toBe(503);
  });

  it('tries the next instance when one refuses the connection before its health check says so', async () => {
    const { a, rr } = await twoInstances();
    await stop(a);
    const answers = [await post(rr), await post(rr)];
    expect(answers.map((x) => x.text)).toEqual(['b:e', 'b:e']);
  });

  it('runs as a process of its own, as the stack starts it, told over IPC what went down', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    open.push({ close: () => stop(a) }, { close: () => stop(b) });
    const { freePort } = await import('@stockflow/kit/free-port');
    const rr = await startRoundRobinProcess({ port: await freePort(), instances: [urlOf(a), urlOf(b)] });
    open.push(rr);
    expect([(await post(rr)).text, (await post(rr)).text]).toEqual(['a:e', 'b:e']);
    rr.markDown(urlOf(a));
    await rr.checkHealth();
    await stop(a);
    expect([(await post(rr)).text, (await post(rr)).text]).toEqual(['b:e', 'b:e']);
  });

  it('streams a response as it is written (Server-Sent Events)', async () => {
    const { rr } = await twoInstances();
    const controller = new AbortController();
    const res = await fetch(`${rr.url}/stream`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe('data: a\n\n');
    controller.abort();
  });
});

describe('--replicas', () => {
  it('reads name=N, repeated or comma-separated', () => {
    expect(parseReplicas(['inventory=2', 'orders=3,web=1'])).toEqual({ inventory: 2, orders: 3, web: 1 });
    expect(parseReplicas([])).toEqual({});
  });

  it('refuses anything else with a readable message', () => {
    expect(() => parseReplicas(['inventory'])).toThrow(/name=N/);
    expect(() => parseReplicas(['inventory=0'])).toThrow(/at least 1/);
  });
});
