/**
 * @module A round-robin HTTP proxy on a Service's address in front of its N local instances, as
 * Knative's activator and queue-proxies spread requests over a revision's pods. Each request goes to
 * the next instance that passed its last health check (`/readyz`, every `healthEveryMs`); an instance
 * that refuses the connection is marked down and the request goes to the next one (nothing reached
 * it, so trying again is safe for any method). With no instance up it answers 503, as the activator
 * does when a revision has no ready pod. Responses are streamed (SSE passes through as it is written).
 *
 * Hand-written over node:http (about a hundred lines) rather than http-proxy or
 * @fastify/http-proxy: none is installed, http-proxy is unmaintained, and what is needed here
 * (health-aware round robin with retry on a refused connection) is not what they offer out of the box.
 */
import { spawn } from 'node:child_process';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface RoundRobinOptions {
  /** Where the proxy listens (0: a free port). */
  port: number;
  /** Each instance's base URL (`http://127.0.0.1:<port>`). */
  instances: string[];
  healthPath?: string;
  healthEveryMs?: number;
}

export interface RoundRobin {
  url: string;
  instances: readonly string[];
  /** Marks an instance down at once (it was killed), until its health check passes again. */
  markDown(instance: string): void;
  /** Checks every instance now; resolves once done. */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/** Errors that mean nothing reached the instance: the request may go to another one. */
const NOT_REACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** A message's headers without the hop-by-hop ones (each hop sets its own). */
function endToEnd(message: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}

export async function startRoundRobin(options: RoundRobinOptions): Promise<RoundRobin> {
  const instances = [...options.instances];
  const healthPath = options.healthPath ?? '/readyz';
  const up = new Set(instances);
  let next = 0;
  // Keep-alive to each instance: a connection per request would cost more than the hop itself. Idle
  // sockets are closed before Node's servers close theirs (5 s), and all of an instance's at once when
  // it goes down, so that no request is written to a socket a dead or idle-closing instance left.
  const agents = new Map(instances.map((i) => [i, new Agent({ keepAlive: true, timeout: 4_000 })]));
  const markDown = (instance: string) => {
    up.delete(instance);
    const agent = agents.get(instance)!;
    for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
  };

  /** The instances to try for one request, starting at the next in turn, those up first. */
  function order(): string[] {
    const start = next++ % instances.length;
    const turn = instances.map((_, i) => instances[(start + i) % instances.length]!);
    return [...turn.filter((i) => up.has(i)), ...turn.filter((i) => !up.has(i))];
  }

  function attempt(
    instance: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<'done' | 'not-reached'> {
    return new Promise((resolve) => {
      const target = new URL(req.url ?? '/', instance);
      const upstream = request(target, {
        method: req.method,
        headers: { ...endToEnd(req), 'content-length': String(body.length) },
        agent: agents.get(instance),
      });
      upstream.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer));
        res.flushHeaders();
        answer.pipe(res);
        answer.on('end', () => resolve('done'));
        answer.on('error', () => {
          res.destroy();
          resolve('done');
        });
        // The client went away (an SSE stream closed): let the instance know.
        res.on('close', () => {
          if (!answer.complete) upstream.destroy();
        });
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (res.headersSent) {
          res.destroy();
          resolve('done');
        } else if (
          NOT_REACHED.has(error.code ?? '') ||
          // An idle socket the instance closed as this request was written: Go's transport (what
          // Knative's proxies use) sends such a request again when it is idempotent; so does this.
          (error.code === 'ECONNRESET' && upstream.reusedSocket && IDEMPOTENT.has(req.method ?? ''))
        ) {
          markDown(instance);
          resolve('not-reached');
        } else {
          if (error.code === 'ECONNRESET') markDown(instance);
          // It may have acted on the request: the caller decides whether to send it again.
          res.writeHead(502, { 'content-type': 'text/plain' }).end(`instance ${instance}: ${error.message}`);
          resolve('done');
        }
      });
      upstream.end(body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Bodies are small here (events, JSON, a CSV import): buffered, so a refused connection can be
    // retried on another instance.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    for (const instance of order()) {
      if ((await attempt(instance, req, body, res)) === 'done') return;
    }
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('no instance is up');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  async function checkHealth(): Promise<void> {
    await Promise.all(
      instances.map(async (instance) => {
        const ok = await fetch(new URL(healthPath, instance), { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) up.add(instance);
        else markDown(instance);
      }),
    );
  }
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void checkHealth().finally(() => {
      checking = false;
    });
  }, options.healthEveryMs ?? 500);
  timer.unref();

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    instances,
    markDown,
    checkHealth,
    close: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        for (const agent of agents.values()) agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The round-robin in a child process (round-robin-main.ts): what the local runner uses, so that
 * proxying never takes the event loop of the mesh, which runs in the runner's process.
 */
export async function startRoundRobinProcess(options: RoundRobinOptions): Promise<RoundRobin> {
  const main = fileURLToPath(new URL('./round-robin-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      ...process.env,
      ROUND_ROBIN: JSON.stringify({ port: options.port, instances: options.instances }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) =>
      reject(new Error(`the round-robin on port ${options.port} exited (${code})`)),
    );
  });
  let checks = 0;
  return {
    url,
    instances: [...options.instances],
    markDown: (instance) => child.connected && child.send({ down: instance }),
    checkHealth() {
      if (!child.connected) return Promise.resolve();
      const check = ++checks;
      return new Promise<void>((resolve) => {
        const done = (m: { checked?: number }) => {
          if (m.checked !== check) return;
          child.off('message', done);
          resolve();
        };
        child.on('message', done);
        child.send({ check });
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
