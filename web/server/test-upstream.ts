/**
 * @module Tests' stand-in for a function behind web: a real HTTP server on 127.0.0.1 that records
 * what reaches it and answers as told (by default a JSON `{ok: true}` with headers web must not pass
 * on). `stopUpstreams` in an `afterEach` stops every one started.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const running = new Set<Server>();

export async function startUpstream(handle?: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (handle) return handle(req, res);
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': 'session=upstream',
        'x-upstream': 'yes',
        'cache-control': 'no-store',
      });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.add(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

export async function stopUpstreams(): Promise<void> {
  const servers = [...running];
  running.clear();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}
