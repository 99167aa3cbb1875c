import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { compileErrors, validate } from '@readme/openapi-parser';
import { TEST_STAFF_SIGNING_KEY, testEnv } from '@stockflow/kit/testing';
import { exportJWK } from 'jose';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type * as ledgerRecords from '../../../functions/ledger/src/records.ts';
import { API_DOCS, OPENAPI_DOC, renderApiDocs, renderOpenApi } from '../../../scripts/api-docs.ts';
import { ROOT } from '../../../scripts/event-docs.ts';
import { web } from '../../../web/server/app.ts';
import type { DeadLetter, LedgerEvent } from './http.ts';
import { buildOpenApi, openApiPath, PLATFORM_ROUTES, ROUTES } from './openapi.ts';

/** An app's routes as `METHOD /path` (Hono's `:params`), without middleware-only entries. */
const routesOf = (app: { routes: Array<{ method: string; path: string }> }) =>
  new Set(
    app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`),
  );

/** The table's routes of a function as its own app sees them: without web's `/api/<function>`. */
const tableRoutesOf = (owner: string) =>
  new Set(
    ROUTES.filter((route) => route.owner === owner).map(
      (route) => `${route.method} ${route.path.slice(`/api/${owner}`.length) || '/'}`,
    ),
  );

/** Every function in functions/, by its folder: each exports its definition under its name. */
const FUNCTIONS = readdirSync(`${ROOT}/functions`).filter((name) =>
  existsSync(`${ROOT}/functions/${name}/src/app.ts`),
);
type Definition = { create(options: { env: Record<string, string> }): FunctionInstance };
type FunctionInstance = {
  app: { routes: Array<{ method: string; path: string }> };
  rt: { close(): Promise<void> };
};
const definitionOf = async (name: string) =>
  ((await import(`${ROOT}/functions/${name}/src/app.ts`)) as Record<string, Definition>)[name]!;

/** What each function needs to start besides testEnv (payments: its provider). */
const EXTRA_ENV: Record<string, Record<string, string>> = {
  payments: {
    PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
    PAYMENT_API_KEY: 'sandbox-key-for-routes',
    PAYMENT_WEBHOOK_SECRET: 'sandbox-secret-for-routes-0123456789',
  },
  notifications: { SMTP_URL: 'smtp://127.0.0.1:9' },
};

/** web with staff sign-in on (OIDC; nothing is asked of the issuer until someone signs in). */
const staffSignIn = async () => ({
  STAFF_AUTH: 'oidc',
  STAFF_SIGNING_KEY: JSON.stringify(await exportJWK(TEST_STAFF_SIGNING_KEY)),
  STAFF_SESSION_SECRET: 'a-session-secret-of-32-characters!',
  STAFF_OIDC_ISSUER: 'https://issuer.example',
  STAFF_OIDC_CLIENT_ID: 'stockflow',
  STAFF_OIDC_CLIENT_SECRET: 'not-a-secret',
});

describe('docs/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser), read without the network', async () => {
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const document = JSON.parse(readFileSync(OPENAPI_DOC, 'utf8'));
    const result = await validate(document);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });

  it('is what `npm run docs:api` renders from the route table (run it when this fails)', () => {
    expect(readFileSync(OPENAPI_DOC, 'utf8')).toBe(renderOpenApi());
    expect(readFileSync(API_DOCS, 'utf8')).toBe(renderApiDocs());
  });

  it.each(FUNCTIONS)("has every route %s's app registers, and no other", async (name) => {
    const fn = (await definitionOf(name)).create({ env: testEnv(name, EXTRA_ENV[name]) });
    try {
      const platform = new Set<string>(PLATFORM_ROUTES);
      const registered = [...routesOf(fn.app)].filter((route) => !platform.has(route)).sort();
      expect(registered).toEqual([...tableRoutesOf(name)].sort());
    } finally {
      await fn.rt.close();
    }
  });

  it("has web's own routes (sign-in, staff roles, this document), each registered by web", async () => {
    const fn = web.create({ env: { LOG_LEVEL: 'silent', ...(await staffSignIn()) } });
    try {
      const registered = routesOf(fn.app);
      const own = ROUTES.filter((route) => route.owner === 'web').map(
        (route) => `${route.method} ${route.path}`,
      );
      for (const route of own) expect(registered, route).toContain(route);
      const staffOrAuth = [...registered].filter((route) => / \/(auth|api\/staff)\//.test(route));
      for (const route of staffOrAuth) expect(own, route).toContain(route);
    } finally {
      await fn.rt.close();
    }
  });

  it('names each operation once, with its access, and every answer and body by a schema', () => {
    const document = buildOpenApi() as {
      paths: Record<string, Record<string, { operationId: string; 'x-access': string }>>;
    };
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations).toHaveLength(ROUTES.length);
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(ROUTES.length);
    for (const route of ROUTES) {
      const operation = document.paths[openApiPath(route.path)]![route.method.toLowerCase()]!;
      expect(operation['x-access'], `${route.method} ${route.path}`).toBe(route.access);
    }
  });
});

describe('GET /api/openapi.json (web)', () => {
  it('serves the document, public and cacheable', async () => {
    const fn = web.create({ env: { LOG_LEVEL: 'silent' } });
    try {
      const res = await fn.app.request('/api/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toMatch(/public/);
      expect(await res.json()).toEqual(JSON.parse(readFileSync(OPENAPI_DOC, 'utf8')));
    } finally {
      await fn.rt.close();
    }
  });
});

describe('bodies typed apart from the contract', () => {
  it("ledger's answers are the contract's DeadLetter and LedgerEvent (tsc checks this)", () => {
    expectTypeOf<ledgerRecords.DeadLetter>().toExtend<DeadLetter>();
    expectTypeOf<ledgerRecords.LedgerEvent>().toExtend<LedgerEvent>();
  });
});
