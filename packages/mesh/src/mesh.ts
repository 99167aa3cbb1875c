/**
 * @module `startMesh`: the local Knative Eventing data plane on one port. `POST /<namespace>/<broker>`
 * is the broker ingress (binary or structured CloudEvents; 202 accepted, 400 invalid, 401/403 refused
 * sender, 404 unknown broker, 405 other methods, 413 too large), Triggers deliver from it, and
 * PingSources tick into their sinks. The mesh is also the cluster's OIDC issuer
 * (`/.well-known/openid-configuration`, `/openid/v1/jwks`): with `authentication-oidc` on in the
 * manifests' `config-features`, senders need its tokens and EventPolicies decide who may send what,
 * and deliveries carry a token for their Trigger's identity. `GET /healthz` answers once it listens.
 * With a `journal` file, accepted events survive a stop: the next mesh on that file delivers what was
 * left undelivered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@stockflow/kit';
import {
  createIssuer,
  DISCOVERY_PATH,
  generateSigningKey,
  type Issuer,
  JWKS_PATH,
  type PrivateJwk,
} from './auth/issuer.ts';
import { oidcSubject } from './auth/names.ts';
import { TokenProvider } from './auth/token-provider.ts';
import { IngressVerifier } from './auth/verifier.ts';
import { type AcceptResult, BrokerPlane, type MeshStats, type Resolver } from './broker.ts';
import { type Clock, systemClock } from './clock.ts';
import { InvalidEventError, readEvent } from './cloudevent.ts';
import { retryPolicy } from './delivery.ts';
import type { Features } from './features.ts';
import { Journal } from './journal.ts';
import { fromObjects, type ManifestObject, type Manifests, readManifestObjects } from './manifests.ts';
import { type PingSchedule, pingEvent, schedulePing } from './ping.ts';
import { type SenderGate, type SenderPolicy, senderGate } from './senders.ts';

export interface MeshOptions {
  /** A folder of Knative YAML (read recursively), or objects already parsed, or both. */
  manifests?: string;
  objects?: ManifestObject[];
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Base URLs of the Services that `ref`s name; without it, subscribers work by `uri` only. */
  resolve?: Resolver;
  clock?: Clock;
  log?: Logger;
  /** The level of `log` (the default logger's level when `log` is not given): debug logs every attempt. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Ingress bodies beyond this are refused with 413. */
  maxBodyBytes?: number;
  /** Deliveries in flight beyond which the ingress answers 503 with Retry-After. */
  maxInFlight?: number;
  /**
   * A file where accepted events are kept (fsync'd before the 202) until every Trigger is done with
   * them; a mesh started on it delivers what the last one left. Memory only without it.
   */
  journal?: string;
  /**
   * A rate per sender address at the ingress (429 with Retry-After beyond it); none by default. Who
   * may send is the manifests' business (config-features, EventPolicies).
   */
  senders?: SenderPolicy;
  /**
   * `STOCKFLOW_INSECURE_EVENTS=1`: sender identity off whatever `config-features` says (no token
   * needed at the ingress, none attached to deliveries), logged as a warning at start.
   */
  insecure?: boolean;
  /**
   * The issuer's private key; a new one is generated when absent. A stack passes the same key to
   * every mesh it starts, so tokens it handed out stay valid across a mesh restart.
   */
  signingKey?: PrivateJwk;
}

export interface Mesh {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  manifests: Manifests;
  /** The ingress URL of a broker (`default/default` unless named). */
  ingressUrl(namespace?: string, broker?: string): string;
  /** The OIDC issuer this mesh is (its URL is the mesh's), which signs and checks sender tokens. */
  issuer: Issuer;
  /** The flags in force: the manifests' `config-features`, with OIDC off when `insecure`. */
  features: Features;
  stats(): MeshStats;
  /**
   * Fires the PingSource `name` now, as one of its ticks would (tests use it to run periodic work
   * on demand, e.g. orders' hold sweep); resolves true once its sink accepted the event, false if
   * it was not delivered. Throws for a PingSource the manifests do not declare.
   */
  ping(name: string, namespace?: string): Promise<boolean>;
  /** Stops listening, stops PingSources, drains deliveries for up to `drainMs`, then drops the rest. */
  stop(drainMs?: number): Promise<void>;
}

/** sdk-go's `ContextWithRetriesExponentialBackoff(ctx, 50ms, 5)`, which the ping adapter sets. */
const PING_RETRIES = retryPolicy({ retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.05S' });

export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const {
    port = 0,
    host = '127.0.0.1',
    clock = systemClock,
    logLevel = options.log ? 'debug' : 'info',
    log = createLogger({ service: 'mesh', level: logLevel }),
    maxBodyBytes = 1024 * 1024,
  } = options;
  const objects = [
    ...(options.manifests ? readManifestObjects(options.manifests) : []),
    ...(options.objects ?? []),
  ];
  const manifests = fromObjects(objects);
  const features: Features = options.insecure ? { ...manifests.features, oidc: false } : manifests.features;
  if (options.insecure) {
    log.warn(
      'STOCKFLOW_INSECURE_EVENTS=1: sender identity is OFF. The broker takes events from anyone without a token, EventPolicies are not enforced, deliveries carry no token and functions skip verification. Never use this where others can reach the broker.',
    );
  }
  const signingKey = options.signingKey ?? (await generateSigningKey());

  let base = '';
  const ingressUrl = (namespace = 'default', broker = 'default') => `${base}/${namespace}/${broker}`;
  const opened = options.journal ? await Journal.open(options.journal) : undefined;
  const plane = new BrokerPlane({
    manifests,
    resolve: options.resolve,
    clock,
    log,
    ingressUrl,
    maxInFlight: options.maxInFlight,
    logDeliveries: logLevel === 'debug',
    journal: opened?.journal,
  });

  const gate = senderGate(options.senders);
  // Set once the port, and so the issuer URL, is known; requests before that get 503.
  let identity: Identity | undefined;
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res, plane, gate, identity, maxBodyBytes, log);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await opened?.journal.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  base = `http://${host}:${address.port}`;
  const issuer = await createIssuer(base, signingKey);
  const verifier = new IngressVerifier(issuer, features, manifests.brokers, manifests.eventPolicies);
  identity = { issuer, verifier };
  if (features.oidc) {
    // Tokens carry wall-clock times (their receivers check them), whatever clock paces retries.
    plane.useTokens(new TokenProvider(issuer));
    await plane.prepareTokens(
      manifests.pingSources.map((source) => ({ sink: source.sink, subject: pingSubject(source) })),
    );
    for (const broker of manifests.brokers) {
      log.info('sender identity on (authentication-oidc)', {
        broker: `${broker.namespace}/${broker.name}`,
        defaultAuthorizationMode: features.defaultAuthorizationMode,
        eventPolicies: verifier.policiesOf(broker.namespace, broker.name).join(', ') || 'none',
      });
    }
  }
  if (opened?.pending.length) {
    log.info('delivering what the last mesh left undelivered', { events: opened.pending.length });
    plane.resume(opened.pending);
  }

  /** One tick of a PingSource: its event to its sink, as its own identity. */
  const fire = (source: (typeof manifests.pingSources)[number]) =>
    plane.send(
      source.sink,
      source.namespace,
      pingEvent(source, new Date(clock.now())),
      PING_RETRIES,
      `pingsource ${source.namespace}/${source.name}`,
      pingSubject(source),
    );
  const schedules: PingSchedule[] = [];
  try {
    for (const source of manifests.pingSources) {
      schedules.push(
        schedulePing(source, () => {
          void fire(source);
        }),
      );
    }
  } catch (error) {
    await closeServer(server);
    await plane.stop(0);
    gate.stop();
    throw error;
  }

  const missing = new Map<string, string[]>();
  for (const { trigger, destination } of plane.unresolved()) {
    missing.set(destination, [...(missing.get(destination) ?? []), trigger]);
  }
  for (const [destination, triggers] of missing) {
    log.warn(`${destination}: deliveries to it fail`, { triggers: triggers.join(', ') });
  }

  let stopping: Promise<void> | undefined;
  return {
    url: base,
    port: address.port,
    manifests,
    ingressUrl,
    issuer,
    features,
    stats: () => plane.stats(),
    ping(name, namespace = 'default') {
      const source = manifests.pingSources.find((p) => p.name === name && p.namespace === namespace);
      if (!source) throw new Error(`no PingSource ${namespace}/${name} in the manifests`);
      return fire(source);
    },
    stop(drainMs = 2_000) {
      stopping ??= (async () => {
        for (const schedule of schedules) schedule.stop();
        const closed = closeServer(server);
        await plane.stop(drainMs);
        await closed;
        gate.stop();
      })();
      return stopping;
    },
  };
}

/** A PingSource sends as its own OIDC ServiceAccount (`<name>-oidc-sources.knative.dev-pingsource`). */
function pingSubject(source: { name: string; namespace: string }): string {
  return oidcSubject({ apiVersion: 'sources.knative.dev/v1', kind: 'PingSource', ...source });
}

interface Identity {
  issuer: Issuer;
  verifier: IngressVerifier;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Keep-alive clients that are mid-request get their answer; the rest are cut after a moment.
    setTimeout(() => server.closeAllConnections(), 500).unref();
  });
}

function answer(
  res: ServerResponse,
  status: number,
  detail?: string,
  headers: Record<string, string> = {},
): void {
  if (!detail) {
    res.writeHead(status, headers).end();
    return;
  }
  const body = JSON.stringify({
    type: 'about:blank',
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    detail,
  });
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/problem+json',
      'content-length': String(Buffer.byteLength(body)),
    })
    .end(body);
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  plane: BrokerPlane,
  gate: SenderGate,
  identity: Identity | undefined,
  maxBodyBytes: number,
  log: Logger,
) {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/healthz' || path === '/readyz') {
    answer(res, req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, undefined, { allow: 'GET' });
    return;
  }
  if (!identity) {
    req.resume();
    answer(res, 503, 'The mesh is starting.', { 'retry-after': '1' });
    return;
  }
  if (path === DISCOVERY_PATH || path === JWKS_PATH) {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, 'Use GET.', { allow: 'GET' });
      return;
    }
    const body = JSON.stringify(path === JWKS_PATH ? identity.issuer.jwks : identity.issuer.discovery);
    res
      .writeHead(200, {
        'content-type': path === JWKS_PATH ? 'application/jwk-set+json' : 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'max-age=60',
      })
      .end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const segments = path.replace(/\/$/, '').split('/');
  if (segments.length !== 3 || !segments[1] || !segments[2]) {
    req.resume();
    answer(res, 404, 'The broker ingress is POST /<namespace>/<broker>.');
    return;
  }
  // pkg/broker/ingress: OPTIONS advertises POST (the data-plane spec's probe); other methods are 405.
  if (req.method === 'OPTIONS') {
    req.resume();
    answer(res, 200, undefined, {
      allow: 'POST, OPTIONS',
      'webhook-allowed-origin': '*',
      'webhook-allowed-rate': '*',
    });
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    answer(res, 405, `Use POST to send events to the broker.`, { allow: 'POST, OPTIONS' });
    return;
  }
  const refusal = gate.check(req);
  if (refusal) {
    req.resume();
    answer(res, refusal.status, refusal.detail, refusal.headers);
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    req.resume();
    answer(res, 413, `Events are limited to ${maxBodyBytes} bytes.`, { connection: 'close' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > maxBodyBytes) {
      refused = true;
      answer(res, 413, `Events are limited to ${maxBodyBytes} bytes.`, { connection: 'close' });
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', async () => {
    if (refused) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    let result: AcceptResult;
    try {
      // The event is checked before the broker is looked up: an invalid event is a 400 wherever it goes.
      const event = readEvent(req.headers, body);
      if (!event) {
        answer(
          res,
          400,
          'Not a CloudEvent: send binary mode (ce-specversion, ce-id, ...) or structured mode.',
        );
        return;
      }
      // ingress_handler.go: the event is read, the broker found, then the sender verified
      // (VerifyRequest: AuthN 401, AuthZ 403); a refused event is neither journaled nor delivered.
      if (identity.verifier.enabled && plane.serves(segments[1]!, segments[2]!)) {
        const refusal = await identity.verifier.check(
          segments[1]!,
          segments[2]!,
          req.headers.authorization,
          event.attributes,
        );
        if (refusal) {
          answer(res, refusal.status, refusal.detail, refusal.headers);
          return;
        }
      }
      result = await plane.accept(segments[1]!, segments[2]!, event);
    } catch (error) {
      if (error instanceof InvalidEventError) {
        answer(res, 400, `Invalid CloudEvent: ${error.message}.`);
        return;
      }
      log.error('ingress failed', { error });
      answer(res, 500);
      return;
    }
    if (result.status === 202) answer(res, 202);
    else answer(res, result.status, result.reason, result.status === 503 ? { 'retry-after': '1' } : {});
  });
}
