/**
 * Admin authentication: every admin route of every function refuses a missing, wrong or malformed
 * token (401 problem+json with `WWW-Authenticate: Bearer`), a function without ADMIN_TOKEN refuses
 * everyone, and no source compares a secret with `===` (a check of the code, since a timing
 * difference cannot be asserted reliably in a test).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { secretsEqual } from '@stockflow/kit';
import { testEnv } from '@stockflow/kit/testing';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { inventory } from '../../functions/inventory/src/app.ts';
import { ledger } from '../../functions/ledger/src/app.ts';
import { notifications } from '../../functions/notifications/src/app.ts';
import { orders } from '../../functions/orders/src/app.ts';
import { expectProblem } from '../hostile/harness.ts';

const ADMIN_TOKEN = 'k7Qm2vX9pL4sT8wZ1cB6nR3yH5dF0gJa';
const ROOT = join(import.meta.dirname, '../..');
const HEX = '0'.repeat(64);

const ADMIN_ROUTES = {
  catalog: [
    ['POST', '/products'],
    ['PATCH', '/products/p-1'],
    ['POST', '/products/p-1/archive'],
  ],
  inventory: [
    ['GET', '/stock'],
    ['GET', '/stock?low=true'],
    ['PATCH', '/stock/p-1'],
    ['POST', '/stock/p-1/adjustments'],
  ],
  orders: [
    ['GET', '/'],
    ['POST', '/o-1/ship'],
  ],
  ledger: [
    ['GET', '/events'],
    ['GET', '/events/stream'],
    ['GET', '/dead-letters'],
    ['GET', `/dead-letters/${HEX}`],
    ['POST', '/dead-letters/replay'],
    ['POST', `/dead-letters/${HEX}/replay`],
    ['DELETE', `/dead-letters/${HEX}`],
  ],
  notifications: [['GET', '/messages?orderId=o-1']],
} as const;

const WRONG: Array<[string, Record<string, string>]> = [
  ['no header', {}],
  ['empty', { authorization: '' }],
  ['another token', { authorization: 'Bearer x7Qm2vX9pL4sT8wZ1cB6nR3yH5dF0gJa' }],
  ['a prefix', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
  ['a longer one', { authorization: `Bearer ${ADMIN_TOKEN}0` }],
  ['other case', { authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` }],
  ['lowercase scheme', { authorization: `bearer ${ADMIN_TOKEN}` }],
  ['two spaces', { authorization: `Bearer  ${ADMIN_TOKEN}` }],
  ['no scheme', { authorization: ADMIN_TOKEN }],
  ['basic', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
  ['two tokens', { authorization: `Bearer ${ADMIN_TOKEN},Bearer ${ADMIN_TOKEN}` }],
  ['a cookie', { cookie: `token=${ADMIN_TOKEN}` }],
];

const definitions = { catalog, inventory, orders, ledger, notifications };
/** notifications needs a relay to start (nothing is sent here). */
const SMTP = { SMTP_URL: 'smtp://127.0.0.1:9' };

describe.each(Object.keys(ADMIN_ROUTES) as (keyof typeof ADMIN_ROUTES)[])('%s admin routes', (name) => {
  const app = definitions[name].create({ env: testEnv(`auth-${name}`, { ADMIN_TOKEN, ...SMTP }) }).app;
  const unconfigured = definitions[name].create({
    env: testEnv(`auth-none-${name}`, { ADMIN_TOKEN: undefined, ...SMTP }),
  }).app;

  it.each(WRONG)('refuse %s with 401 problem+json', async (_label, headers) => {
    for (const [method, path] of ADMIN_ROUTES[name]) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
      const init = { method, headers: { ...headers, 'content-type': 'application/json' }, body };
      const res = await app.request(path, init);
      await expectProblem(res, [401]);
      expect(res.headers.get('www-authenticate'), `${method} ${path}`).toBe('Bearer');
    }
  });

  it('refuse everyone, even an empty token, when no ADMIN_TOKEN is configured', async () => {
    for (const [method, path] of ADMIN_ROUTES[name]) {
      for (const authorization of ['Bearer ', 'Bearer undefined', 'Bearer null', `Bearer ${ADMIN_TOKEN}`]) {
        const res = await unconfigured.request(path, { method, headers: { authorization } });
        await expectProblem(res, [401]);
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
    // The name and key of a Kubernetes Secret in a manifest, not its value.
    'secret.name === ADMIN_SECRET.name',
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
