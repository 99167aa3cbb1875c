/**
 * @module Mesh throughput and latency: CloudEvents POSTed to the broker ingress of a mesh process
 * (`npm run mesh`, a Trigger to a no-op subscriber) against the same events POSTed straight to that
 * subscriber, alternating rounds in one run; medians. Throughput counts events delivered to the
 * subscriber per second; latency is send-to-arrival through the mesh minus the direct round trip.
 * The mesh runs with sender identity on, as `npm start` does (config-features `authentication-oidc`,
 * `deny-all`, an EventPolicy with filters for the sender; each event carries a token the ingress
 * verifies, each delivery a token for the subscriber's audience); a second mesh process with the same
 * manifests and STOCKFLOW_INSECURE_EVENTS=1 gives the figure without identity. The cost of the
 * ingress check itself (token verification + EventPolicy decision) is timed in this process.
 * At a steady rate too: a paced sender (one event every 5 ms, 200 events/s, as a busy shop's events
 * come, not a flood) through the mesh and straight to the subscriber, alternating; the added latency is
 * the difference of the median send-to-arrival times (`p50AddedMsAt200`), where saturation's queueing
 * does not hide what a hop itself costs.
 * Targets: ratio ≥ 0.6 (two HTTP hops against one), identity on; p50AddedMsAt200 ≤ 1.5 ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../packages/kit/src/free-port.ts';
import { createIssuer, generateSigningKey } from '../packages/mesh/src/auth/issuer.ts';
import { brokerAudience } from '../packages/mesh/src/auth/names.ts';
import { IngressVerifier } from '../packages/mesh/src/auth/verifier.ts';
import { fromObjects, readManifestObjects } from '../packages/mesh/src/manifests.ts';
import { configFeaturesYaml } from '../packages/mesh/src/testing.ts';
import { median, percentile, round } from './stats.ts';

const EVENTS = 20_000;
const WARMUP = 3_000;
const ROUNDS = 3;
const CONCURRENCY = 64;
/** The steady rate: events per second, for STEADY_SECONDS per round. */
const STEADY_RATE = 200;
const STEADY_SECONDS = 3;
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.artifacts', 'bench', 'mesh');
const body = JSON.stringify({ productId: 'p-1', quantity: 3, reference: 'bench' });
/** The issuer key the mesh processes sign with (`npm run mesh -- --signing-key`), so the bench can sign too. */
const keyFile = join(dir, 'signing-key.json');

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

/** The partner identity the bench sends as, and the broker audience its token is for. */
const SENDER = 'system:serviceaccount:default:warehouse';
const AUDIENCE = brokerAudience('default', 'default');

function post(url: URL, id: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'ce-specversion': '1.0',
        'ce-id': id,
        'ce-source': '/partners/warehouse',
        'ce-type': 'io.stockflow.goods.received',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
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
async function send(url: string, count: number, prefix: string, latencies?: number[], token?: string) {
  const target = new URL(url);
  const sentAt = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const id = `${prefix}-${next++}`;
      const started = now();
      sentAt.set(id, started);
      const status = await post(target, id, token);
      if (status !== 202) throw new Error(`${url} answered ${status}`);
      latencies?.push(now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return sentAt;
}

/**
 * Sends `count` events at `rate` per second on a fixed schedule (a late send does not push the next
 * ones back); returns each one's send time by id.
 */
async function sendPaced(url: string, count: number, rate: number, prefix: string, token?: string) {
  const target = new URL(url);
  const sentAt = new Map<string, number>();
  const gapMs = 1000 / rate;
  const start = performance.now();
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * gapMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = `${prefix}-${i}`;
    sentAt.set(id, now());
    sends.push(
      post(target, id, token).then((status) => {
        if (status !== 202) throw new Error(`${url} answered ${status}`);
      }),
    );
  }
  await Promise.all(sends);
  return sentAt;
}

/** The bench's manifests: identity on and deny-all, one EventPolicy for the sender, as knative/base. */
function writeManifests(subscriberUrl: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bench.yaml'),
    `${configFeaturesYaml({ 'authentication-oidc': 'enabled', 'default-authorization-mode': 'deny-all' })}apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: eventing.knative.dev/v1alpha1
kind: EventPolicy
metadata:
  name: warehouse-publishes
spec:
  to:
    - ref:
        apiVersion: eventing.knative.dev/v1
        kind: Broker
        name: default
  from:
    - sub: ${SENDER}
  filters:
    - exact:
        type: io.stockflow.goods.received
    - prefix:
        source: /partners/warehouse
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
    audience: subscriber
`,
  );
}

/**
 * The ingress check alone, in this process: a token verified (RS256 signature, iss, aud, exp) and
 * the EventPolicy decision, per event, in µs (median of rounds).
 */
async function verificationCostUs(): Promise<{ verifyUs: number; firstVerifyUs: number; policyUs: number }> {
  const manifests = fromObjects(readManifestObjects(dir));
  const issuer = await createIssuer('http://127.0.0.1:1');
  const verifier = new IngressVerifier(
    issuer,
    manifests.features,
    manifests.brokers,
    manifests.eventPolicies,
  );
  const token = await issuer.issue(SENDER, AUDIENCE);
  // A sender's first event: the RS256 signature check itself (each token is new to the verifier).
  const fresh = await Promise.all(
    Array.from({ length: 2_000 }, (_, i) => issuer.issue(SENDER, AUDIENCE, { now: Date.now() - i * 1000 })),
  );
  const attributes = {
    specversion: '1.0',
    id: 'x',
    source: '/partners/warehouse',
    type: 'io.stockflow.goods.received',
  };
  const authorization = `Bearer ${token}`;
  const N = 4_000;
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < N; i++) {
      const refusal = await verifier.check('default', 'default', authorization, attributes);
      if (refusal) throw new Error(`the bench sender was refused: ${refusal.detail}`);
    }
    rounds.push(((performance.now() - started) * 1000) / N);
  }
  const firstStarted = performance.now();
  for (const first of fresh) await verifier.check('default', 'default', `Bearer ${first}`, attributes);
  const firstVerifyUs = round(((performance.now() - firstStarted) * 1000) / fresh.length, 1);
  // The EventPolicy decision alone (subject and filters), without the token.
  const policyOnly: number[] = [];
  const { authorize, policiesFor, subjectsWithFilters } = await import(
    '../packages/mesh/src/auth/event-policy.ts'
  );
  const applying = policiesFor(manifests.eventPolicies, {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Broker',
    name: 'default',
    namespace: 'default',
  }).map(subjectsWithFilters);
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < N * 10; i++) authorize(SENDER, 'default', applying, 'deny-all', attributes);
    policyOnly.push(((performance.now() - started) * 1000) / (N * 10));
  }
  return { verifyUs: round(median(rounds), 1), firstVerifyUs, policyUs: round(median(policyOnly), 2) };
}

async function startMeshProcess(port: number, insecure: boolean): Promise<ChildProcess> {
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
      '--signing-key',
      keyFile,
    ],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'error',
        ...(insecure ? { STOCKFLOW_INSECURE_EVENTS: '1' } : {}),
      },
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
  writeManifests(subscriber.url);
  const signingKey = await generateSigningKey();
  writeFileSync(keyFile, JSON.stringify(signingKey), { mode: 0o600 });
  const port = await freePort();
  const mesh = await startMeshProcess(port, false);
  const insecurePort = await freePort();
  const insecureMesh = await startMeshProcess(insecurePort, true);
  const ingress = `http://127.0.0.1:${port}/default/default`;
  const insecureIngress = `http://127.0.0.1:${insecurePort}/default/default`;
  // The sender's token, signed with the key the mesh process was given (as sender-token does for a stack).
  const token = await (await createIssuer(`http://127.0.0.1:${port}`, signingKey)).issue(SENDER, AUDIENCE);
  try {
    const direct = async (round: string, count: number) => {
      const arrivals = subscriber.expect(count);
      const latencies: number[] = [];
      const started = now();
      await send(subscriber.url, count, round, latencies);
      await arrivals;
      return { perSec: count / ((now() - started) / 1000), latencies };
    };
    const viaMesh = async (
      process: ChildProcess,
      url: string,
      round: string,
      count: number,
      bearer?: string,
    ) => {
      const arrivals = subscriber.expect(count);
      const cpuBefore = cpuMs(process.pid);
      const started = now();
      const sentAt = await send(url, count, round, undefined, bearer);
      const arrived = await arrivals;
      const seconds = (Math.max(...arrived.values()) - started) / 1000;
      const latencies = [...arrived].map(([id, at]) => at - sentAt.get(id)!);
      const cpuUsPerEvent = ((cpuMs(process.pid) - cpuBefore) * 1000) / count;
      return {
        perSec: count / seconds,
        latencies,
        cpuUsPerEvent,
        busy: (cpuMs(process.pid) - cpuBefore) / 1000 / seconds,
      };
    };
    const withIdentity = (round: string, count: number) => viaMesh(mesh, ingress, round, count, token);
    const insecure = (round: string, count: number) => viaMesh(insecureMesh, insecureIngress, round, count);

    await direct('warm-direct', WARMUP);
    await withIdentity('warm-mesh', WARMUP);
    await insecure('warm-insecure', WARMUP);
    const directRuns = [];
    const meshRuns = [];
    const insecureRuns = [];
    for (let i = 0; i < ROUNDS; i++) {
      directRuns.push(await direct(`direct-${i}`, EVENTS));
      meshRuns.push(await withIdentity(`mesh-${i}`, EVENTS));
      insecureRuns.push(await insecure(`insecure-${i}`, EVENTS));
    }
    // The steady rate: send-to-arrival, direct and through the mesh (identity on), alternating.
    const steady = async (url: string, round: string, bearer?: string) => {
      const count = STEADY_RATE * STEADY_SECONDS;
      const arrivals = subscriber.expect(count);
      const sentAt = await sendPaced(url, count, STEADY_RATE, round, bearer);
      const arrived = await arrivals;
      return [...arrived].map(([id, at]) => at - sentAt.get(id)!);
    };
    await steady(subscriber.url, 'warm-steady-direct');
    await steady(ingress, 'warm-steady-mesh', token);
    const steadyDirect: number[] = [];
    const steadyMesh: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      steadyDirect.push(...(await steady(subscriber.url, `steady-direct-${i}`)));
      steadyMesh.push(...(await steady(ingress, `steady-mesh-${i}`, token)));
    }
    const { verifyUs, firstVerifyUs, policyUs } = await verificationCostUs();
    const directPerSec = round(median(directRuns.map((r) => r.perSec)), 0);
    const meshPerSec = round(median(meshRuns.map((r) => r.perSec)), 0);
    const insecurePerSec = round(median(insecureRuns.map((r) => r.perSec)), 0);
    const directLatency = directRuns.flatMap((r) => r.latencies);
    const meshLatency = meshRuns.flatMap((r) => r.latencies);
    const insecureLatency = insecureRuns.flatMap((r) => r.latencies);
    const p = (samples: number[], q: number) => percentile(samples, q);
    const p50AddedMs = round(p(meshLatency, 50) - p(directLatency, 50), 2);
    const p99AddedMs = round(p(meshLatency, 99) - p(directLatency, 99), 2);
    const p50AddedMsAt200 = round(p(steadyMesh, 50) - p(steadyDirect, 50), 2);
    const meshCpuUs = round(median(meshRuns.map((r) => r.cpuUsPerEvent)), 0);
    const insecureCpuUs = round(median(insecureRuns.map((r) => r.cpuUsPerEvent)), 0);
    const perSec = (runs: Array<{ perSec: number }>) => runs.map((r) => r.perSec.toFixed(0)).join(' ');
    const cpu = (runs: Array<{ cpuUsPerEvent: number; busy: number }>) =>
      `${runs.map((r) => r.cpuUsPerEvent.toFixed(0)).join(' ')} µs per event, busy ${runs
        .map((r) => `${(r.busy * 100).toFixed(0)}%`)
        .join(' ')} of a core`;
    console.log(`${EVENTS} events x ${ROUNDS} rounds, ${CONCURRENCY} in flight, keep-alive`);
    console.log(`direct to subscriber:         ${perSec(directRuns)} events/s (median ${directPerSec})`);
    console.log(`through the mesh, identity on: ${perSec(meshRuns)} events/s (median ${meshPerSec})`);
    console.log(
      `through the mesh, identity off: ${perSec(insecureRuns)} events/s (median ${insecurePerSec})`,
    );
    console.log(`mesh process CPU, identity on:  ${cpu(meshRuns)}`);
    console.log(`mesh process CPU, identity off: ${cpu(insecureRuns)}`);
    console.log(
      `ingress check per event (in this process): token verify + EventPolicy ${verifyUs} µs ` +
        `(a token's first event, with its RS256 signature check: ${firstVerifyUs} µs), of which the policy decision ${policyUs} µs`,
    );
    console.log(
      `latency direct p50 ${p(directLatency, 50).toFixed(2)} ms p99 ${p(directLatency, 99).toFixed(2)} ms; ` +
        `mesh (identity on) p50 ${p(meshLatency, 50).toFixed(2)} ms p99 ${p(meshLatency, 99).toFixed(2)} ms; ` +
        `identity off p50 ${p(insecureLatency, 50).toFixed(2)} ms p99 ${p(insecureLatency, 99).toFixed(2)} ms`,
    );
    console.log(
      `at a steady ${STEADY_RATE} events/s (${STEADY_SECONDS} s x ${ROUNDS} rounds): send-to-arrival direct p50 ${p(steadyDirect, 50).toFixed(2)} ms ` +
        `p99 ${p(steadyDirect, 99).toFixed(2)} ms; mesh (identity on) p50 ${p(steadyMesh, 50).toFixed(2)} ms p99 ${p(steadyMesh, 99).toFixed(2)} ms`,
    );
    return {
      meshPerSec,
      directPerSec,
      ratio: round(meshPerSec / directPerSec),
      p50AddedMs,
      p99AddedMs,
      p50AddedMsAt200,
      insecurePerSec,
      insecureRatio: round(insecurePerSec / directPerSec),
      meshCpuUs,
      insecureCpuUs,
      verifyUs,
      firstVerifyUs,
      policyUs,
    };
  } finally {
    for (const child of [mesh, insecureMesh]) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    agent.destroy();
    await subscriber.stop();
  }
}
