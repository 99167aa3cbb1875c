/**
 * @module The function factory: one Hono app per capability with the platform's defaults: request
 * ids, trace context, structured access logs, body limit, secure headers, problem+json errors,
 * health and readiness, and CloudEvents in at `POST /events`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import * as z from 'zod/mini';
import { type BaseConfig, baseEnv, ConfigError, parseEnv } from './config.ts';
import { type EventHandlers, knownTypes, mountEvents, typeLabel } from './events.ts';
import { LazyMetrics } from './lazy-metrics.ts';
import { createLogger, type Logger, logScope } from './log.ts';
import { OUTBOX_COLLECTION } from './outbox.ts';
import { invalid, Problem, problemResponse, toProblem } from './problem.ts';
import { Runtime } from './runtime.ts';
import {
  podNamespace,
  REFUSE_ALL,
  SenderGuard,
  SenderVerifier,
  type SenderVerifierOptions,
} from './sender.ts';
import { createStaffAuth, type StaffVariables } from './staff.ts';
import { TokenFile } from './token-file.ts';
import { parseTraceparent } from './trace.ts';
import { Tracing } from './tracing.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    /**
     * A finer route label than the matched pattern, set by a handler that serves many routes behind
     * one pattern (web's `/api/*` sets `/api/<function>/*`); it must come from a bounded set.
     */
    route?: string;
  } & StaffVariables;
}

export type StockflowApp = Hono<AppEnv>;

/** The config of a function whose env adds `E` to the base variables. */
export type ConfigOf<E extends z.core.$ZodLooseShape> = BaseConfig & z.infer<z.ZodMiniObject<E>>;

export interface FunctionSpec<E extends z.core.$ZodLooseShape, S> {
  /** One name everywhere: folder, package, image, Knative Service, CloudEvent source, database. */
  name: string;
  /** Env variables this function adds to the base ones (parsed once, at start). */
  env?: E;
  /**
   * True for the one function the public ingress reaches (web). Its `/metrics` then refuses
   * requests that came through a proxy (`X-Forwarded-For`/`Forwarded`: Knative's queue-proxy adds
   * them to every routed request), so only a scrape of the pod itself reads them.
   */
  public?: boolean;
  /**
   * The paths of routes that take file uploads (CSV imports): their bodies may reach
   * UPLOAD_LIMIT_BYTES (16 MiB) where every other route keeps BODY_LIMIT_BYTES (256 KiB).
   */
  uploads?: RegExp;
  /**
   * What one instance of the function works with (stores, a writer, a mailer, a provider), built
   * once when the function is created, before its routes and handlers, which receive it. Whatever
   * must stop with the instance registers with `rt.onClose`; what is costly to start stays lazy.
   */
  services?: (rt: Runtime<ConfigOf<E>>) => S;
  /**
   * The CloudEvents it consumes (and its PingSource tick), by type: its `events.ts`, typed
   * `EventHandlers<Services, Config>` there. The config is not checked against `env` here: handlers
   * declared inline are typed before `env` is known, and would see no config at all.
   */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  events?: EventHandlers<S, any>;
  /** Its HTTP routes: thin, on the services. */
  routes?: (app: StockflowApp, rt: Runtime<ConfigOf<E>>, services: S) => void;
}

export interface CreateOptions {
  env?: Record<string, string | undefined>;
  /** Overrides for the outbox relay (tests shorten its timings). */
  outbox?: ConstructorParameters<typeof Runtime>[0]['outbox'];
  log?: Logger;
  /** Overrides for delivery verification (tests shorten the JWKS cooldown). */
  senders?: Pick<SenderVerifierOptions, 'cooldownMs' | 'timeoutMs' | 'waitMs' | 'get'>;
  /** Least time between two looks at the sender token file (default 5 s). */
  tokenCheckMs?: number;
}

export interface StockflowFunction<C> {
  app: StockflowApp;
  rt: Runtime<C>;
  /** False once shutdown has begun: readiness answers 503. */
  state: { ready: boolean; inFlight: number };
  metrics: LazyMetrics;
}

export function defineFunction<E extends z.core.$ZodLooseShape = Record<never, never>, S = undefined>(
  spec: FunctionSpec<E, S>,
) {
  type Config = ConfigOf<E>;
  return {
    name: spec.name,
    spec,
    create(options: CreateOptions = {}): StockflowFunction<Config> {
      const schema = z.extend(baseEnv, spec.env ?? ({} as E));
      const config = parseEnv(spec.name, schema, options.env ?? process.env) as Config;
      const log =
        options.log ??
        createLogger({ service: spec.name, level: config.LOG_LEVEL, projectId: config.GOOGLE_CLOUD_PROJECT });
      const metrics = new LazyMetrics(spec.name);
      const known = knownTypes((spec.events ?? {}) as EventHandlers<never, never>);
      const senders = senderGuard(spec, config, options, log, metrics);
      const rt = new Runtime<Config>({
        tracing: new Tracing(spec.name, options.env ?? process.env),
        metrics,
        name: spec.name,
        config,
        log,
        projectId: config.GOOGLE_CLOUD_PROJECT,
        databaseId: config.FIRESTORE_DATABASE ?? spec.name,
        sink: config.K_SINK,
        sinkToken: new TokenFile(config.OIDC_TOKEN_FILE, { checkIntervalMs: options.tokenCheckMs }),
        senders,
        sendTimeoutMs: config.SINK_TIMEOUT_MS,
        outbox: {
          observer: {
            // Replays re-send recorded events of any type: only known types become label values.
            published: (record) =>
              metrics.record((m) => m.outboxPublished.inc({ type: typeLabel(known, record.type) })),
            failed: (record) =>
              metrics.record((m) => m.outboxFailures.inc({ type: typeLabel(known, record.type) })),
          },
          ...options.outbox,
        },
      });
      metrics.observe({
        outboxWaiting: () => rt.outbox.stats().waiting,
        outboxPending: () =>
          rt.countIfOpen((db) => db.collection(OUTBOX_COLLECTION).where('status', '==', 'pending')),
      });
      const state = { ready: true, inFlight: 0 };
      const fn = {
        rt,
        state,
        metrics,
        app: buildApp(
          rt,
          state,
          metrics,
          {
            body: config.BODY_LIMIT_BYTES,
            upload: config.UPLOAD_LIMIT_BYTES,
            uploads: spec.uploads,
          },
          spec.public ?? false,
        ),
      };
      const services = spec.services?.(rt) as S;
      if (spec.events) mountEvents(fn.app as unknown as Hono, rt, services, spec.events, metrics, known);
      spec.routes?.(fn.app, rt, services);
      return fn;
    },
  };
}

/**
 * Who may deliver to a function that receives events: tokens verified against `OIDC_ISSUER`, or,
 * with `STOCKFLOW_INSECURE_EVENTS=1`, no one checked (said loudly at every start). A function
 * that receives events has one or the other, or does not start.
 */
function senderGuard(
  spec: { name: string; events?: unknown },
  config: BaseConfig,
  options: CreateOptions,
  log: Logger,
  metrics: LazyMetrics,
): SenderGuard {
  if (config.STOCKFLOW_INSECURE_EVENTS === '1') {
    if (spec.events) {
      log.warn(
        'STOCKFLOW_INSECURE_EVENTS=1: deliveries to /events are NOT verified; anyone who can reach ' +
          'this function can send it any event. Local development only.',
      );
    }
    return new SenderGuard({ metrics, log });
  }
  if (!config.OIDC_ISSUER) {
    if (!spec.events) return new SenderGuard({ metrics, log, verifier: REFUSE_ALL });
    throw new ConfigError(spec.name, {
      issues: [
        {
          path: ['OIDC_ISSUER'],
          message:
            'required: the OIDC issuer whose tokens /events accepts (the cluster issuer; the local ' +
            'mesh sets it). Set STOCKFLOW_INSECURE_EVENTS=1 to accept unverified events instead.',
        },
      ],
    });
  }
  const verifier = new SenderVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.EVENTS_AUDIENCE ?? config.K_SERVICE ?? spec.name,
    namespace: podNamespace(config),
    ...options.senders,
  });
  return new SenderGuard({ verifier, metrics, log });
}

function buildApp<C>(
  rt: Runtime<C>,
  state: StockflowFunction<C>['state'],
  metrics: LazyMetrics,
  limits: { body: number; upload: number; uploads?: RegExp },
  isPublic: boolean,
): StockflowApp {
  const app = new Hono<AppEnv>();

  const config = rt.config as BaseConfig;
  const staffAuth = createStaffAuth({
    audience: rt.name,
    jwks: config.STAFF_JWKS,
    adminToken: config.ADMIN_TOKEN,
    log: rt.log,
  });
  if (config.ADMIN_TOKEN) rt.log.warn('break-glass ADMIN_TOKEN is configured: every use is logged');

  app.use(requestId());
  app.use(async function staffIdentity(c, next) {
    c.set('staffAuth', staffAuth);
    await next();
  });
  app.use(async function traceAndLog(c, next) {
    const span = rt.tracing.startSpan(c.req.method, {
      parent: parseTraceparent(c.req.header('traceparent')),
      kind: 'server',
      attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path },
    });
    const scope = { trace: span.trace, requestId: c.get('requestId') };
    const started = performance.now();
    state.inFlight++;
    try {
      await logScope.run(scope, next);
    } finally {
      state.inFlight--;
    }
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    // The matched route pattern (or the handler's finer label), not the raw path: bounded values.
    const route = c.get('route') ?? (c.req.routePath === '/*' ? 'unmatched' : c.req.routePath);
    const method = c.req.method;
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', status);
    span.end(status >= 500 ? new Error(`HTTP ${status}`) : undefined);
    metrics.record((m) => {
      m.httpRequests.inc({ method, route, status: String(status) });
      m.httpDuration.observe({ method, route }, seconds);
    });
    const fields = {
      httpRequest: {
        requestMethod: c.req.method,
        requestUrl: c.req.path,
        status,
        latency: `${seconds.toFixed(4)}s`,
      },
    };
    logScope.run(scope, () => {
      if (status >= 500) rt.log.warn('request failed', fields);
      else rt.log.debug('request', fields);
    });
  });
  // No HSTS here: only the public edge (web) knows whether a request came over https.
  app.use(secureHeaders({ strictTransportSecurity: false }));
  const limitTo = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: async (c) => {
        // The rest of the body is read and dropped before the answer, which closes the connection
        // (`Connection: close`): a server that closes while the client still sends makes the
        // client's stack reset it, losing the 413 before it is read, and a kept-alive connection
        // with unread body bytes cannot carry the next request.
        await discardBody(c.req.raw);
        throw new Problem(413, 'Content Too Large', {
          detail: `The body exceeds ${maxSize} bytes.`,
          headers: { Connection: 'close' },
        });
      },
    });
  const bodyLimitOf = limitTo(limits.body);
  const uploadLimitOf = limitTo(limits.upload);
  const { uploads } = limits;
  app.use(async function limitBodies(c, next) {
    const upload = uploads?.test(c.req.path);
    // Hono's bodyLimit asks for the request's body stream first, which makes @hono/node-server
    // build a WHATWG Request around the socket (over half of what a delivery to a handler that
    // does nothing cost: ~500 against ~230 µs of server CPU). A body with a
    // declared length is checked from its header, as bodyLimit itself does; GET and HEAD carry
    // none; only a chunked body (or one of unknown length) is counted as it streams.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) <= (upload ? limits.upload : limits.body)) return next();
    }
    return upload ? uploadLimitOf(c, next) : bodyLimitOf(c, next);
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', async (c) => {
    if (isPublic && (c.req.header('x-forwarded-for') || c.req.header('forwarded'))) {
      throw new Problem(404, 'Not Found', { detail: `No route for GET ${c.req.path}.` });
    }
    const { registry } = await metrics.load();
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  app.get('/readyz', (c) =>
    state.ready ? c.json({ status: 'ready' }) : c.json({ status: 'draining' }, 503),
  );

  app.notFound((c) =>
    problemResponse(
      c,
      new Problem(404, 'Not Found', { detail: `No route for ${c.req.method} ${c.req.path}.` }),
    ),
  );
  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem.status >= 500) rt.log.error('request error', { error, path: c.req.path });
    return problemResponse(c, problem);
  });
  return app;
}

/** How much of a refused body is read and dropped, and for how long, before the 413 goes anyway. */
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
const DISCARD_MAX_MS = 2_000;

/** Reads what is left of a request's body and drops it (bounded); nothing when it is already read. */
async function discardBody(request: Request): Promise<void> {
  if (!request.body || request.bodyUsed || request.body.locked) return;
  const reader = request.body.getReader();
  const deadline = setTimeout(() => void reader.cancel().catch(() => undefined), DISCARD_MAX_MS);
  try {
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > DISCARD_MAX_BYTES) return void (await reader.cancel());
    }
  } catch {
    // The client gave up sending: the answer goes all the same.
  } finally {
    clearTimeout(deadline);
  }
}

/** The JSON body of a request, validated by `schema`; a 400 problem otherwise. */
export async function readJson<S extends z.ZodMiniType>(
  c: { req: { header(name: string): string | undefined; text(): Promise<string> } },
  schema: S,
): Promise<z.infer<S>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new Problem(415, 'Unsupported Media Type', { detail: 'Send the body as application/json.' });
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new Problem(400, 'Bad Request', { detail: 'The body is not valid JSON.' });
  }
  const result = schema.safeParse(body);
  if (!result.success) throw invalid(result.error);
  return result.data;
}
