/**
 * @module The `web` function: serves the SPA and forwards `/api/<function>/…` to the functions. It
 * owns no data and never opens a database; its headers hold the browser to a strict
 * Content-Security-Policy (the built SPA needs nothing inline).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineFunction, envInt } from '@stockflow/kit';
import { secureHeaders } from 'hono/secure-headers';
import * as z from 'zod/mini';
import { FUNCTIONS, forwardToFunctions, type Upstreams } from './proxy.ts';
import { rateLimitPerClient } from './rate-limit.ts';
import { mountSpa } from './static.ts';

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

export const web = defineFunction({
  name: 'web',
  public: true,
  env: {
    UPSTREAM_CATALOG: z.optional(z.url()),
    UPSTREAM_INVENTORY: z.optional(z.url()),
    UPSTREAM_ORDERS: z.optional(z.url()),
    UPSTREAM_LEDGER: z.optional(z.url()),
    UPSTREAM_NOTIFICATIONS: z.optional(z.url()),
    /** The built SPA; defaults to `../public` beside the server bundle. */
    STATIC_DIR: z.optional(z.string().check(z.minLength(1))),
    /** Orders one client may place per minute (per instance); 0 turns the limit off. */
    ORDER_RATE_LIMIT: z._default(envInt({ min: 0 }), 30),
    /** Proxies in front of web that append to X-Forwarded-For (0: the client is the socket's peer). */
    TRUSTED_PROXY_HOPS: z._default(envInt({ min: 0, max: 10 }), 0),
  },
  routes(app, rt) {
    app.use(
      secureHeaders({
        contentSecurityPolicy: CONTENT_SECURITY_POLICY,
        permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
      }),
    );
    const upstreams: Upstreams = {};
    for (const name of FUNCTIONS) {
      const url = rt.config[`UPSTREAM_${name.toUpperCase()}` as `UPSTREAM_${Uppercase<typeof name>}`];
      if (url) upstreams[name] = url;
    }
    const orderLimit = rateLimitPerClient({
      limit: rt.config.ORDER_RATE_LIMIT,
      trustedProxyHops: rt.config.TRUSTED_PROXY_HOPS,
    });
    // `POST /api/orders` (and `/api/orders/`, `/api/orders//`: all reach orders' `POST /`).
    app.post('/api/orders/*', async function limitOrderPlacing(c, next) {
      return /^\/api\/orders\/*$/.test(c.req.path) ? orderLimit(c, next) : next();
    });
    app.all('/api', forwardToFunctions(upstreams));
    app.all('/api/*', forwardToFunctions(upstreams));
    const root = rt.config.STATIC_DIR ?? builtSpa();
    const { indexFound } = mountSpa(app, root);
    if (!indexFound) rt.log.warn('no built SPA: client routes answer 503', { root });
  },
});
