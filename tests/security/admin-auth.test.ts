/**
 * Admin authentication: every admin route of every function needs a staff token (web's, for that
 * function) whose role allows it. A missing, wrong, malformed or foreign credential gets 401
 * problem+json with `WWW-Authenticate: Bearer`; a lesser role gets 403; the shared admin token is
 * refused unless ADMIN_TOKEN (break-glass) is configured. No source compares a secret with `===`
 * (a check of the code, since a timing difference cannot be asserted reliably in a test).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { StaffRole } from '@stockflow/contracts';
import { isStaff, ROUTES } from '@stockflow/contracts/openapi';
import { secretsEqual } from '@stockflow/kit';
import { staffToken, testEnv } from '@stockflow/kit/testing';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { inventory } from '../../functions/inventory/src/app.ts';
import { ledger } from '../../functions/ledger/src/app.ts';
import { notifications } from '../../functions/notifications/src/app.ts';
import { orders } from '../../functions/orders/src/app.ts';
import { payments } from '../../functions/payments/src/app.ts';
import { expectProblem } from '../hostile/harness.ts';

const ADMIN_TOKEN = 'k7Qm2vX9pL4sT8wZ1cB6nR3yH5dF0gJa';
const ROOT = join(import.meta.dirname, '../..');
const HEX = '0'.repeat(64);

type FunctionName = 'catalog' | 'inventory' | 'orders' | 'ledger' | 'notifications' | 'payments';
/** A value for each path parameter: ledger ids are SHA-256 hex, the rest any id. */
const PARAMS: Record<string, string> = {
  id: HEX,
  productId: 'p-1',
  orderId: 'o-1',
  shipmentId: 's-1',
  returnId: 'r-1',
};
/** What a route needs in its query to reach its role check (notifications reads the order first). */
const QUERIES: Record<string, string> = { '/api/notifications/messages': '?orderId=o-1' };

/** Every staff route of every function and the least role it needs: the route table's (docs/api.md). */
const ADMIN_ROUTES = {} as Record<FunctionName, Array<[string, string, StaffRole]>>;
for (const route of ROUTES) {
  if (route.owner === 'web' || !isStaff(route.access)) continue;
  const path = route.path.slice(`/api/${route.owner}`.length).replace(/:(\w+)/g, (_, name) => PARAMS[name]!);
  ADMIN_ROUTES[route.owner] ??= [];
  ADMIN_ROUTES[route.owner].push([route.method, `${path || '/'}${QUERIES[route.path] ?? ''}`, route.access]);
}
// Public routes with a staff-only form: inventory's full stock listing.
ADMIN_ROUTES.inventory.push(['GET', '/stock', 'viewer'], ['GET', '/stock?low=true', 'viewer']);

const BELOW: Record<StaffRole, StaffRole | undefined> = {
  viewer: undefined,
  clerk: 'viewer',
  manager: 'clerk',
};

const WRONG: Array<[string, (fn: string) => Promise<Record<string, string>>]> = [
  ['no header', async () => ({})],
  ['empty', async () => ({ authorization: '' })],
  ['the admin token, break-glass being off', async () => ({ authorization: `Bearer ${ADMIN_TOKEN}` })],
  [
    'a token for another function',
    async (fn) => ({
      authorization: `Bearer ${await staffToken(fn === 'ledger' ? 'catalog' : 'ledger', 'manager')}`,
    }),
  ],
  [
    'a token with a flipped signature',
    async (fn) => ({
      // A character well inside the signature (the last one may carry only padding bits).
      authorization: `Bearer ${(await staffToken(fn, 'manager')).replace(/(.)(.{10})$/, (_, c, rest) => `${c === 'A' ? 'B' : 'A'}${rest}`)}`,
    }),
  ],
  ['lowercase scheme', async (fn) => ({ authorization: `bearer ${await staffToken(fn, 'manager')}` })],
  ['no scheme', async (fn) => ({ authorization: await staffToken(fn, 'manager') })],
  ['a cookie', async (fn) => ({ cookie: `stockflow_staff=${await staffToken(fn, 'manager')}` })],
];

const definitions = { catalog, inventory, orders, ledger, notifications, payments };
/** notifications needs a relay to start, payments a provider (nothing is sent to either here). */
const SMTP = {
  SMTP_URL: 'smtp://127.0.0.1:9',
  PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
  PAYMENT_API_KEY: 'admin-auth-api-key',
  PAYMENT_WEBHOOK_SECRET: 'admin-auth-webhook-secret',
};

describe.each(Object.keys(ADMIN_ROUTES) as (keyof typeof ADMIN_ROUTES)[])('%s admin routes', (name) => {
  const app = definitions[name].create({ env: testEnv(`auth-${name}`, SMTP) }).app;
  const breakGlass = definitions[name].create({
    env: testEnv(`auth-glass-${name}`, { ADMIN_TOKEN, LOG_LEVEL: 'silent', ...SMTP }),
  }).app;
  const send = (target: typeof app, method: string, path: string, headers: Record<string, string>) =>
    target.request(path, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
    });

  it.each(WRONG)('refuse %s with 401 problem+json', async (_label, headers) => {
    for (const [method, path] of ADMIN_ROUTES[name]) {
      const res = await send(app, method, path, await headers(name));
      await expectProblem(res, [401]);
      expect(res.headers.get('www-authenticate'), `${method} ${path}`).toBe('Bearer');
    }
  });

  it('refuse a role below the route’s with 403, and admit the route’s own role', async () => {
    for (const [method, path, role] of ADMIN_ROUTES[name]) {
      const below = BELOW[role];
      if (below) {
        const refused = await send(app, method, path, {
          authorization: `Bearer ${await staffToken(name, below)}`,
        });
        await expectProblem(refused, [403]);
      }
      const res = await send(app, method, path, { authorization: `Bearer ${await staffToken(name, role)}` });
      expect([401, 403], `${method} ${path} as ${role}`).not.toContain(res.status);
      await res.body?.cancel();
    }
  });

  it('admit the break-glass token only where ADMIN_TOKEN is configured, exactly', async () => {
    for (const [method, path] of ADMIN_ROUTES[name]) {
      const res = await send(breakGlass, method, path, { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect([401, 403], `${method} ${path}`).not.toContain(res.status);
      await res.body?.cancel();
      for (const other of [`${ADMIN_TOKEN}0`, ADMIN_TOKEN.slice(0, -1), ADMIN_TOKEN.toUpperCase()]) {
        await expectProblem(
          await send(breakGlass, method, path, { authorization: `Bearer ${other}` }),
          [401],
        );
      }
    }
  });
});

describe('secret comparison', () => {
  it('secretsEqual tells equal secrets from every kind of different one', () => {
    expect(secretsEqual(ADMIN_TOKEN, ADMIN_TOKEN)).toBe(true);
    for (const other of [
      '',
      ADMIN_TOKEN.slice(1),
      `${ADMIN_TOKEN}x`,
      ADMIN_TOKEN.toLowerCase(),
      'é'.repeat(32),
    ]) {
      expect(secretsEqual(other, ADMIN_TOKEN)).toBe(false);
    }
  });

  /**
   * Comparisons with `==`/`===`/`!=`/`!==` where a side names a secret (token, secret, hash,
   * password, credential) and the other is not a literal: such a compare leaks timing.
   */
  function plainSecretCompares(source: string): string[] {
    const found: string[] = [];
    const compare = /([\w$.[\]'"`()?!]+)\s*(!==?|===?)\s*([\w$.[\]'"`()?!]+)/g;
    const secret = /token|secret|hash|password|credential/i;
    const literal = /^(undefined|null|true|false|\d+|'[^']*'|"[^"]*"|`[^`]*`)$/;
    for (const line of source.split('\n')) {
      if (line.trim().startsWith('//') || line.trim().startsWith('*')) continue;
      for (const [, left, , right] of line.matchAll(compare)) {
        if (line.includes(`typeof ${left}`)) continue;
        if (literal.test(left!) || literal.test(right!)) continue;
        if (secret.test(left!) || secret.test(right!)) found.push(line.trim());
      }
    }
    return found;
  }

  /** Compares the check flags that involve no secret value. */
  const NOT_SECRETS = [
    // The digest of an order request's body, to tell a replay from a different request.
    'claimed.requestHash !== requestHash',
    // The same digest for a return request resent with its Idempotency-Key.
    'used.requestHash !== once!.requestHash',
    // The name and key of a Kubernetes Secret in a manifest, not its value.
    'secret.name === ADMIN_SECRET.name',
    // The staff member whose role a manager changes is not the manager (ids, not secrets).
    'props.member.subject !== staff()?.subject',
  ];

  it('the check finds a plain compare and leaves presence checks alone', () => {
    expect(plainSecretCompares('if (token === adminToken) return true;')).toHaveLength(1);
    expect(plainSecretCompares('return stored.tokenHash == digest(token);')).toHaveLength(1);
    expect(plainSecretCompares("if (credential !== undefined && typeof token === 'string') {}")).toEqual([]);
  });

  it('no source of a function, web, the kit or the mesh compares a secret with ===', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) {
          if (entry !== 'node_modules' && entry !== 'dist' && entry !== 'testing') walk(path);
        } else if (/\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry)) files.push(path);
      }
    };
    for (const dir of ['functions', 'web/server', 'packages/kit/src', 'packages/mesh/src'])
      walk(join(ROOT, dir));
    expect(files.length).toBeGreaterThan(20);
    const offences = files
      .flatMap((file) =>
        plainSecretCompares(readFileSync(file, 'utf8')).map((line) => `${relative(ROOT, file)}: ${line}`),
      )
      .filter((offence) => !NOT_SECRETS.some((allowed) => offence.includes(allowed)));
    expect(offences).toEqual([]);
  });
});
