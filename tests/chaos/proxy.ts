/**
 * @module A fault-injecting HTTP proxy on 127.0.0.1 in front of a function's `/events`: it forwards
 * every request to the function, or, while a fault is on, answers 503, holds the request past the
 * Trigger's timeout, or refuses chosen events with 400 (a permanent failure Knative does not retry).
 * A refused event is poisoned: every later delivery of it is refused too, until `cure()` (the fix is
 * deployed), as a subscriber bug would refuse it; so a refusal whose answer the broker never saw (an
 * attempt that timed out) still ends as a dead letter. It counts what it did to each request. `manifestsBehind` puts proxies in front of functions.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';

export type Fault =
  | { kind: 'none' }
  | { kind: 'unavailable' }
  | { kind: 'hang'; holdMs: number }
  /** Refuses with 400 the next `count` events of `type` (and poisons them), recording their ids. */
  | { kind: 'refuse'; type: string; count: number };

export interface FaultProxy {
  url: string;
  /** Where requests go; set once the function's port is known. */
  upstream: string;
  fault: Fault;
  readonly counts: { forwarded: number; unavailable: number; hung: number; refused: number };
  /** The ids of the events refused with 400, once each (they go to the dead-letter sink). */
  readonly refusedIds: string[];
  /** Stops refusing: no fault, and the events refused so far are delivered from now on. */
  cure(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

export async function startFaultProxy(): Promise<FaultProxy> {
  const held = new Set<ServerResponse>();
  const poisoned = new Set<string>();
  const proxy: FaultProxy = {
    url: '',
    upstream: '',
    fault: { kind: 'none' },
    counts: { forwarded: 0, unavailable: 0, hung: 0, refused: 0 },
    refusedIds: [],
    cure() {
      proxy.fault = { kind: 'none' };
      poisoned.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const fault = proxy.fault;
    const id = String(req.headers['ce-id']);
    const refuse = () => {
      proxy.counts.refused++;
      const problem = JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400 });
      res.writeHead(400, { 'content-type': 'application/problem+json' }).end(problem);
    };
    if (poisoned.has(id)) return refuse();
    if (fault.kind === 'unavailable') {
      proxy.counts.unavailable++;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('injected: unavailable');
      return;
    }
    if (fault.kind === 'hang') {
      proxy.counts.hung++;
      held.add(res);
      // Past the Trigger's timeout the mesh has given up on this attempt; the function never sees it.
      setTimeout(() => {
        held.delete(res);
        if (!res.destroyed) res.writeHead(503).end();
      }, fault.holdMs).unref();
      return;
    }
    if (fault.kind === 'refuse' && fault.count > 0 && req.headers['ce-type'] === fault.type) {
      fault.count--;
      poisoned.add(id);
      proxy.refusedIds.push(id);
      return refuse();
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = String(value);
    }
    try {
      const answer = await fetch(`${proxy.upstream}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body),
        signal: AbortSignal.timeout(30_000),
      });
      const reply = Buffer.from(await answer.arrayBuffer());
      proxy.counts.forwarded++;
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name)) out[name] = value;
      });
      res.writeHead(answer.status, out).end(reply);
    } catch {
      // The function is down (killed, restarting): the gateway answers 502, which Knative retries.
      res.writeHead(502).end();
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/**
 * A copy of knative/base, in a new temporary folder the caller removes, in which every Trigger to a
 * Service named in `proxies` goes through that Service's proxy instead.
 */
export async function manifestsBehind(proxies: Record<string, FaultProxy>): Promise<string> {
  const source = join(REPO_ROOT, 'knative', 'base');
  const dir = await mkdtemp(join(tmpdir(), 'stockflow-faults-'));
  for (const file of await readdir(source)) {
    if (!file.endsWith('.yaml') || file === 'kustomization.yaml') continue;
    const docs = parseAllDocuments(await readFile(join(source, file), 'utf8'));
    for (const doc of docs) {
      const object = doc.toJS() as {
        kind?: string;
        spec?: { subscriber?: { ref?: { name: string }; uri?: string; audience?: string } };
      };
      const subscriber = object.spec?.subscriber;
      const proxy = subscriber?.ref && proxies[subscriber.ref.name];
      if (object.kind !== 'Trigger' || !proxy) continue;
      // The audience stays: the dispatcher still attaches the Trigger's token for the function, which
      // the proxy passes on (without it the function would answer 401 to every delivery).
      const { audience } = subscriber;
      doc.setIn(['spec', 'subscriber'], {
        uri: `${proxy.url}${subscriber.uri ?? ''}`,
        ...(audience ? { audience } : {}),
      });
    }
    await writeFile(join(dir, file), docs.map((d) => d.toString()).join('---\n'));
  }
  return dir;
}
