/**
 * @module The `web` function: serves the SPA, signs staff in (the backend-for-frontend: staff/) and
 * forwards `/api/<function>/…` to the functions. The only data it owns are staff role bindings (its
 * own database); its headers hold the browser to a strict Content-Security-Policy (the built SPA
 * needs nothing inline but its stylesheet, allowed by hash).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS } from '@stockflow/contracts';
import { defineFunction, envInt, limitOpenAnswers, Problem } from '@stockflow/kit';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { secureHeaders } from 'hono/secure-headers';
import * as z from 'zod/mini';
import { clientKey } from './client-address.ts';
import { answersFromFunctions } from './first-answers.ts';
import {
  browserScheme,
  forwardToFunctions,
  type Upstreams,
  upstreamEnv,
  upstreamKey,
  WEBHOOK_PATH,
} from './proxy.ts';
import { rateLimitPerClient } from './rate-limit.ts';
import { mountStaff, staffEnv } from './staff/index.ts';
import { mountSpa, readSpa } from './static.ts';

/**
 * Where the built SPA sits relative to the server bundle: `web/dist/server/main.mjs` beside
 * `web/dist/public` in the repo, or `public/` next to `main.mjs` in an image.
 */
function builtSpa(): string {
  const candidates = ['../public', './public'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  // Product images may live on any https host (a CDN, a supplier's site).
  imgSrc: ["'self'", 'data:', 'https:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Whether the browser's request came over https: web's own URL, or, behind the load balancer that
 * ends TLS, the first `X-Forwarded-Proto` (the outermost proxy's word; a client that forges it over
 * plain http gets a header its browser ignores there, RFC 6797 §8.1).
 */
export const cameOverHttps = (url: string, forwardedProto: string | undefined) =>
  browserScheme(new URL(url), forwardedProto) === 'https';

/** A provider's webhook is a small JSON event: anything near the general body limit is not one. */
export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

const webhookBodyLimit = bodyLimit({
  maxSize: WEBHOOK_BODY_LIMIT_BYTES,
  onError: () => {
    throw new Problem(413, 'Content Too Large', {
      detail: `A webhook body may be at most ${WEBHOOK_BODY_LIMIT_BYTES} bytes.`,
    });
  },
});

export const web = defineFunction({
  name: 'web',
  public: true,
  // Staff's CSV imports go through to catalog and inventory (a 10,000-row file is over the 256 KiB
  // JSON limit); the functions refuse them without the role before reading a byte.
  uploads: /^\/api\/+(catalog|inventory)\/+imports\/*$/,
  env: {
    ...upstreamEnv,
    /** The built SPA; defaults to `../public` beside the server bundle. */
    STATIC_DIR: z.optional(z.string().check(z.minLength(1))),
    /** Orders one client may place per minute (per instance); 0 turns the limit off. */
    ORDER_RATE_LIMIT: z._default(envInt({ min: 0 }), 30),
    /** Payment provider webhooks one client may send per minute (per instance); 0 turns the limit off. */
    WEBHOOK_RATE_LIMIT: z._default(envInt({ min: 0 }), 600),
    /**
     * Entries the proxies in front of web append to X-Forwarded-For (0: the client is the socket's
     * peer): 2 behind Knative's ingress and queue-proxy, 4 behind a GKE load balancer too
     * (client-address.ts, docs/deploy.md).
     */
    TRUSTED_PROXY_HOPS: z._default(envInt({ min: 0, max: 10 }), 0),
    /** Order event streams one client may hold open at once through this instance (0: no cap). */
    ORDER_STREAMS_PER_CLIENT: z._default(envInt({ min: 0 }), 10),
    ...staffEnv,
  },
  routes(app, rt) {
    const spa = readSpa(rt.config.STATIC_DIR ?? builtSpa());
    app.use(
      secureHeaders({
        // The page's inlined stylesheet is allowed by its hash alone (static.ts).
        contentSecurityPolicy: {
          ...CONTENT_SECURITY_POLICY,
          styleSrc: [...CONTENT_SECURITY_POLICY.styleSrc, ...spa.styleHashes],
        },
        permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
        // Sent only to requests that came over https (below): over http a browser ignores it.
        strictTransportSecurity: false,
      }),
    );
    // Every text answer compressed on the fly (JSON from the functions, index.html; a phone on a slow
    // network pays per byte); the built assets go precompressed, and event streams are left alone
    // (Hono's filter skips text/event-stream, which a compressor would hold back).
    app.use(compress());
    app.use(async function strictTransportSecurity(c, next) {
      await next();
      // The kit's defaults and a forwarded function's answer may carry one too: web alone decides.
      if (cameOverHttps(c.req.url, c.req.header('x-forwarded-proto'))) {
        c.res.headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      } else c.res.headers.delete('Strict-Transport-Security');
    });
    const upstreams: Upstreams = {};
    for (const name of FUNCTIONS) {
      const url = rt.config[upstreamKey(name)];
      if (url) upstreams[name] = url;
    }
    const orderLimit = rateLimitPerClient({
      limit: rt.config.ORDER_RATE_LIMIT,
      trustedProxyHops: rt.config.TRUSTED_PROXY_HOPS,
      what: 'placing orders',
      log: rt.log,
    });
    // `POST /api/orders` (and `/api/orders/`, `/api/orders//`: all reach orders' `POST /`).
    app.post('/api/orders/*', async function limitOrderPlacing(c, next) {
      return /^\/api\/orders\/*$/.test(c.req.path) ? orderLimit(c, next) : next();
    });
    // The provider's webhooks: public (their signature is the credential, checked by payments), so
    // held to a rate per client and a small body, like placing orders.
    const webhookLimit = rateLimitPerClient({
      limit: rt.config.WEBHOOK_RATE_LIMIT,
      trustedProxyHops: rt.config.TRUSTED_PROXY_HOPS,
      what: 'provider webhooks',
      log: rt.log,
    });
    app.post('/api/payments/webhooks/*', async function limitWebhooks(c, next) {
      return WEBHOOK_PATH.test(c.req.path) ? webhookLimit(c, next) : next();
    });
    app.post('/api/payments/webhooks/*', webhookBodyLimit);
    const streamsPerClient = limitOpenAnswers({
      limit: rt.config.ORDER_STREAMS_PER_CLIENT,
      keyOf: (c) => clientKey(c, rt.config.TRUSTED_PROXY_HOPS),
      what: 'order event streams from one client',
    });
    app.get('/api/orders/:id/events', streamsPerClient.handler);
    // The HTTP contract (docs/openapi.json), built from packages/contracts on first ask: public, and
    // the same until the next deployment. Loaded then too: the routes table and zod's JSON Schema
    // code are ~50 KiB that a cold start does not need.
    let openApi: string | undefined;
    app.get('/api/openapi.json', async (c) => {
      openApi ??= JSON.stringify((await import('@stockflow/contracts/openapi')).buildOpenApi());
      c.header('cache-control', 'public, max-age=3600');
      return c.body(openApi, 200, { 'content-type': 'application/json; charset=utf-8' });
    });
    const staffAuthorization = mountStaff(app, { config: rt.config, db: () => rt.db(), log: rt.log });
    const forward = forwardToFunctions(upstreams, { staffAuthorization });
    app.all('/api', forward);
    app.all('/api/*', forward);
    const { indexFound } = mountSpa(app, spa, answersFromFunctions(upstreams));
    if (!indexFound) rt.log.warn('no built SPA: client routes answer 503', { root: spa.root });
  },
});
