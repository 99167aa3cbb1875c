/**
 * @module Mesh throughput and latency: CloudEvents POSTed to the broker ingress of a mesh process
 * (`npm run mesh`, a Trigger to a no-op subscriber) against the same events POSTed straight to that
 * subscriber, alternating rounds in one run; medians. Throughput counts events delivered to the
 * subscriber per second; latency is send-to-arrival through the mesh minus the direct round trip.
 * Target: ratio ≥ 0.45 (two HTTP hops against one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** A no-op subscriber: 202 with an empty body; notes when each event id arrived. */
async function startNoopSubscriber() {
  const arrivals = new Map<string, number>();
  let onArrival: (() => void) | undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.set(req.headers['ce-id'] as string, performance.now());
      res.writeHead(202).end();
      onArrival?.();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    arrivals,
    /** Resolves when `count` events have arrived since `arrivals` was last cleared. */
    until(count: number) {
      return new Promise<void>((resolve) => {
        if (arrivals.size >= count) return resolve();
        onArrival = () => {
          if (arrivals.size >= count) {
            onArrival = undefined;
            resolve();
          }
        };
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined),
    closeAll: () => server.closeAllConnections(),
  };
}

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
      const started = performance.now();
      sentAt.set(id, started);
      const status = await post(target, id);
      if (status !== 202) throw new Error(`${url} answered ${status}`);
      latencies?.push(performance.now() - started);
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
      subscriber.arrivals.clear();
      const latencies: number[] = [];
      const started = performance.now();
      await send(subscriber.url, count, round, latencies);
      return { perSec: count / ((performance.now() - started) / 1000), latencies };
    };
    const viaMesh = async (round: string, count: number) => {
      subscriber.arrivals.clear();
      const started = performance.now();
      const arrived = subscriber.until(count);
      const sentAt = await send(ingress, count, round);
      await arrived;
      const seconds = (Math.max(...subscriber.arrivals.values()) - started) / 1000;
      const latencies = [...subscriber.arrivals].map(([id, at]) => at - sentAt.get(id)!);
      return { perSec: count / seconds, latencies };
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
      `latency direct p50 ${p(directLatency, 50).toFixed(2)} ms p99 ${p(directLatency, 99).toFixed(2)} ms; ` +
        `mesh p50 ${p(meshLatency, 50).toFixed(2)} ms p99 ${p(meshLatency, 99).toFixed(2)} ms`,
    );
    return { meshPerSec, directPerSec, ratio: round(meshPerSec / directPerSec), p50AddedMs, p99AddedMs };
  } finally {
    mesh.kill('SIGTERM');
    await new Promise((resolve) => mesh.once('exit', resolve));
    agent.destroy();
    subscriber.closeAll();
    await subscriber.close();
  }
}
