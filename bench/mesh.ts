/**
 * @module Mesh throughput and latency: CloudEvents POSTed to the broker ingress of a mesh process
 * (`npm run mesh`, a Trigger to a no-op subscriber) against the same events POSTed straight to that
 * subscriber, alternating rounds in one run; medians. Throughput counts events delivered to the
 * subscriber per second; latency is send-to-arrival through the mesh minus the direct round trip.
 * Target: ratio ≥ 0.45 (two HTTP hops against one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../packages/kit/src/emulator.ts';
import { median, percentile, round } from './stats.ts';

const EVENTS = 20_000;
const WARMUP = 3_000;
const ROUNDS = 3;
const CONCURRENCY = 64;
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.artifacts', 'bench', 'mesh');
const body = JSON.stringify({ productId: 'p-1', quantity: 3, reference: 'bench' });

/**
 * The no-op subscriber, in a process of its own (so the load generator never starves it): 202 with an
 * empty body. Told `{expect: n}`, it answers `{arrivals: [[id, ms], ...]}` once n events have come,
 * times on the machine's clock (`timeOrigin + now()`, comparable across processes).
 */
const SUBSCRIBER = `
import { createServer } from 'node:http';
let expected = Infinity;
let arrivals = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrivals.push([req.headers['ce-id'], performance.timeOrigin + performance.now()]);
    res.writeHead(202).end();
    if (arrivals.length >= expected) {
      process.send({ arrivals });
      arrivals = [];
      expected = Infinity;
    }
  });
});
server.keepAliveTimeout = 60_000;
process.on('message', (message) => {
  if (message.expect) {
    expected = message.expect;
    arrivals = [];
  }
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

async function startNoopSubscriber() {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'subscriber.mjs');
  writeFileSync(file, SUBSCRIBER);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  return {
    url: `http://127.0.0.1:${port}/`,
    /** Resolves with the arrival time of each of the next `count` events, by id. */
    expect(count: number): Promise<Map<string, number>> {
      const arrived = new Promise<Map<string, number>>((resolve) =>
        child.once('message', (m: { arrivals: Array<[string, number]> }) => resolve(new Map(m.arrivals))),
      );
      child.send({ expect: count });
      return arrived;
    },
    stop: () => {
      child.kill('SIGTERM');
      return new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** CPU time (user + system, ms) a process has used, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Now on the machine's clock, as the subscriber process stamps arrivals. */
const now = () => performance.timeOrigin + performance.now();

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: URL, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'ce-specversion': '1.0',
        'ce-id': id,
        'ce-source': '/bench',
        'ce-type': 'io.stockflow.goods.received',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.end(body);
  });
}

/** Sends `count` events with CONCURRENCY in flight; returns each one's send time by id. */
async function send(url: string, count: number, prefix: string, latencies?: number[]) {
  const target = new URL(url);
  const sentAt = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const id = `${prefix}-${next++}`;
      const started = now();
      sentAt.set(id, started);
      const status = await post(target, id);
      if (status !== 202) throw new Error(`${url} answered ${status}`);
      latencies?.push(now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return sentAt;
}

async function startMeshProcess(port: number, subscriberUrl: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bench.yaml'),
    `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: goods
spec:
  broker: default
  filter:
    attributes:
      type: io.stockflow.goods.received
  subscriber:
    uri: ${subscriberUrl}
`,
  );
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'packages/mesh/src/cli/mesh.ts'),
      '--manifests',
      dir,
      '--port',
      String(port),
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the mesh exited with ${code}`)));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (text.includes('broker ingress:')) resolve();
    });
  });
  return child;
}

export async function run() {
  const subscriber = await startNoopSubscriber();
  const port = await freePort();
  const mesh = await startMeshProcess(port, subscriber.url);
  const ingress = `http://127.0.0.1:${port}/default/default`;
  try {
    const direct = async (round: string, count: number) => {
      const arrivals = subscriber.expect(count);
      const latencies: number[] = [];
      const started = now();
      await send(subscriber.url, count, round, latencies);
      await arrivals;
      return { perSec: count / ((now() - started) / 1000), latencies };
    };
    const viaMesh = async (round: string, count: number) => {
      const arrivals = subscriber.expect(count);
      const cpuBefore = cpuMs(mesh.pid);
      const started = now();
      const sentAt = await send(ingress, count, round);
      const arrived = await arrivals;
      const seconds = (Math.max(...arrived.values()) - started) / 1000;
      const latencies = [...arrived].map(([id, at]) => at - sentAt.get(id)!);
      const cpuUsPerEvent = ((cpuMs(mesh.pid) - cpuBefore) * 1000) / count;
      return {
        perSec: count / seconds,
        latencies,
        cpuUsPerEvent,
        busy: (cpuMs(mesh.pid) - cpuBefore) / 1000 / seconds,
      };
    };

    await direct('warm-direct', WARMUP);
    await viaMesh('warm-mesh', WARMUP);
    const directRuns = [];
    const meshRuns = [];
    for (let i = 0; i < ROUNDS; i++) {
      directRuns.push(await direct(`direct-${i}`, EVENTS));
      meshRuns.push(await viaMesh(`mesh-${i}`, EVENTS));
    }
    const directPerSec = round(median(directRuns.map((r) => r.perSec)), 0);
    const meshPerSec = round(median(meshRuns.map((r) => r.perSec)), 0);
    const directLatency = directRuns.flatMap((r) => r.latencies);
    const meshLatency = meshRuns.flatMap((r) => r.latencies);
    const p = (samples: number[], q: number) => percentile(samples, q);
    const p50AddedMs = round(p(meshLatency, 50) - p(directLatency, 50), 2);
    const p99AddedMs = round(p(meshLatency, 99) - p(directLatency, 99), 2);
    console.log(`${EVENTS} events x ${ROUNDS} rounds, ${CONCURRENCY} in flight, keep-alive`);
    console.log(
      `direct to subscriber: ${directRuns.map((r) => r.perSec.toFixed(0)).join(' ')} events/s (median ${directPerSec})`,
    );
    console.log(
      `through the mesh:     ${meshRuns.map((r) => r.perSec.toFixed(0)).join(' ')} events/s (median ${meshPerSec})`,
    );
    console.log(
      `mesh process CPU: ${meshRuns.map((r) => r.cpuUsPerEvent.toFixed(0)).join(' ')} µs per event, ` +
        `busy ${meshRuns.map((r) => `${(r.busy * 100).toFixed(0)}%`).join(' ')} of a core`,
    );
    console.log(
      `latency direct p50 ${p(directLatency, 50).toFixed(2)} ms p99 ${p(directLatency, 99).toFixed(2)} ms; ` +
        `mesh p50 ${p(meshLatency, 50).toFixed(2)} ms p99 ${p(meshLatency, 99).toFixed(2)} ms`,
    );
    return { meshPerSec, directPerSec, ratio: round(meshPerSec / directPerSec), p50AddedMs, p99AddedMs };
  } finally {
    mesh.kill('SIGTERM');
    await new Promise((resolve) => mesh.once('exit', resolve));
    agent.destroy();
    await subscriber.stop();
  }
}
