import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { problemResponse, toProblem } from './problem.ts';
import {
  actorOf,
  authorize,
  BREAK_GLASS_SUBJECT,
  createStaffAuth,
  requireRole,
  STAFF_TOKEN_ISSUER,
  type StaffVariables,
  signStaffToken,
  staffOf,
} from './staff.ts';
import { TEST_STAFF, TEST_STAFF_JWKS, TEST_STAFF_SIGNING_KEY } from './testing/staff.ts';

const BREAK_GLASS = 'break-glass-token-0123456789abcdef';

/** A tiny app for audience `catalog`: one route per role, answering the actor it saw. */
function app(options: { adminToken?: string; lines?: string[] } = {}) {
  const log = createLogger({ service: 'test', write: (line) => options.lines?.push(line) });
  const auth = createStaffAuth({
    audience: 'catalog',
    jwks: JSON.parse(TEST_STAFF_JWKS),
    adminToken: options.adminToken,
    log,
  });
  const hono = new Hono<{ Variables: StaffVariables }>();
  hono.use(async (c, next) => {
    c.set('staffAuth', auth);
    await next();
  });
  for (const role of ['viewer', 'clerk', 'manager'] as const) {
    hono.post(`/${role}`, requireRole(role), (c) => c.json(actorOf(c)));
  }
  hono.onError((error, c) => problemResponse(c, toProblem(error)));
  return hono;
}

const call = (path: string, token?: string, options?: Parameters<typeof app>[0]) =>
  app(options).request(path, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

const sign = (claims: Record<string, unknown>, edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt) =>
  edit(
    new SignJWT({ name: 'Test Manager', role: 'manager', ...claims })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(STAFF_TOKEN_ISSUER)
      .setAudience('catalog')
      .setSubject('test-manager')
      .setIssuedAt()
      .setExpirationTime('60s'),
  ).sign(TEST_STAFF_SIGNING_KEY);

async function expectRefused(res: Response, status: number, detail?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { detail: string };
  if (detail) expect(body.detail).toMatch(detail);
}

describe('requireRole', () => {
  it('admits a role that allows the route (viewer < clerk < manager), with its actor', async () => {
    const clerk = await signStaffToken(TEST_STAFF_SIGNING_KEY, TEST_STAFF.clerk, { audience: 'catalog' });
    const res = await call('/viewer', clerk);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ subject: 'test-clerk', name: 'Test Clerk' });
    expect((await call('/clerk', clerk)).status).toBe(200);
  });

  it('refuses a lesser role with 403, and no credential with 401 and WWW-Authenticate', async () => {
    const viewer = await signStaffToken(TEST_STAFF_SIGNING_KEY, TEST_STAFF.viewer, { audience: 'catalog' });
    await expectRefused(await call('/clerk', viewer), 403, /needs the clerk role; Test Viewer is a viewer/);
    const none = await call('/viewer');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expectRefused(none, 401);
  });
});

describe('staff token verification refuses', () => {
  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['an expired token', () => sign({}, (jwt) => jwt.setIssuedAt(1_000).setExpirationTime(1_060)), /expired/],
    ['another audience', () => sign({}, (jwt) => jwt.setAudience('ledger')), /bad aud/],
    ['another issuer', () => sign({}, (jwt) => jwt.setIssuer('https://evil.example')), /bad iss/],
    [
      'a tampered payload',
      async () => {
        const [head, , sig] = (await sign({ role: 'viewer' })).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            sub: 'x',
            name: 'X',
            role: 'manager',
            iss: STAFF_TOKEN_ISSUER,
            aud: 'catalog',
            iat: 1,
            exp: 9e9,
          }),
        ).toString('base64url');
        return `${head}.${payload}.${sig}`;
      },
      /bad signature/,
    ],
    [
      "another key's signature",
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({ name: 'X', role: 'manager' })
          .setProtectedHeader({ alg: 'ES256' })
          .setIssuer(STAFF_TOKEN_ISSUER)
          .setAudience('catalog')
          .setSubject('x')
          .setIssuedAt()
          .setExpirationTime('60s')
          .sign(privateKey);
      },
      /bad signature|unknown signing key/,
    ],
    [
      'alg none',
      async () => {
        const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return `${enc({ alg: 'none' })}.${enc({ sub: 'x', name: 'X', role: 'manager', iss: STAFF_TOKEN_ISSUER, aud: 'catalog', iat: 1, exp: 9e9 })}.e30`;
      },
      /algorithm not allowed|malformed|unknown signing key/,
    ],
    ['an unknown role', () => sign({ role: 'owner' }), /names no person or role/],
    ['no name', () => sign({ name: '' }), /names no person or role/],
  ];
  it.each(cases)('%s (401 problem+json, nothing runs)', async (_label, token, detail) => {
    await expectRefused(await call('/viewer', await token()), 401, detail);
  });

  it('every token when no STAFF_JWKS is given', async () => {
    const auth = createStaffAuth({
      audience: 'catalog',
      log: createLogger({ service: 't', level: 'silent' }),
    });
    const hono = new Hono<{ Variables: StaffVariables }>();
    hono.use(async (c, next) => {
      c.set('staffAuth', auth);
      await next();
    });
    hono.get('/', requireRole('viewer'), (c) => c.text('ok'));
    hono.onError((error, c) => problemResponse(c, toProblem(error)));
    const token = await signStaffToken(TEST_STAFF_SIGNING_KEY, TEST_STAFF.manager, { audience: 'catalog' });
    await expectRefused(await hono.request('/', { headers: { authorization: `Bearer ${token}` } }), 401);
  });

  it('keys that are not public in STAFF_JWKS', async () => {
    const { baseEnv } = await import('./config.ts');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const leaked = JSON.stringify({ keys: [await exportJWK(privateKey)] });
    expect(baseEnv.safeParse({ STAFF_JWKS: leaked }).success).toBe(false);
    expect(baseEnv.safeParse({ STAFF_JWKS: TEST_STAFF_JWKS }).success).toBe(true);
  });
});

describe('break-glass', () => {
  it('is off unless ADMIN_TOKEN is configured', async () => {
    await expectRefused(await call('/manager', BREAK_GLASS), 401);
  });

  it('admits the configured token as a manager named break-glass, and logs every use loudly', async () => {
    const lines: string[] = [];
    const res = await call('/manager', BREAK_GLASS, { adminToken: BREAK_GLASS, lines });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ subject: BREAK_GLASS_SUBJECT, name: BREAK_GLASS_SUBJECT });
    const warning = lines.map((line) => JSON.parse(line)).find((entry) => /BREAK-GLASS/.test(entry.message));
    expect(warning).toMatchObject({ severity: 'WARNING', method: 'POST', path: '/manager' });
    expect(lines.join('\n')).not.toContain(BREAK_GLASS);
    await expectRefused(await call('/manager', `${BREAK_GLASS}x`, { adminToken: BREAK_GLASS }), 401);
  });

  it('logs one use per request when a route asks who it is and then authorizes', async () => {
    const lines: string[] = [];
    const hono = app({ adminToken: BREAK_GLASS, lines });
    // As orders' routes do: the public answer unless staff, and then the staff role checked.
    hono.get('/either', async (c) => c.json({ actor: (await staffOf(c)) && (await authorize(c, 'viewer')) }));
    const res = await hono.request('/either', { headers: { authorization: `Bearer ${BREAK_GLASS}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ actor: { subject: BREAK_GLASS_SUBJECT } });
    expect(lines.filter((line) => line.includes('BREAK-GLASS'))).toHaveLength(1);
  });
});

describe('authorize after staffOf', () => {
  it('checks the role of the staff member already proved', async () => {
    const hono = app();
    hono.get('/either', async (c) =>
      c.json({ actor: (await staffOf(c)) && (await authorize(c, 'manager')) }),
    );
    const viewer = await sign({ role: 'viewer', name: 'Vera Viewer' });
    await expectRefused(
      await hono.request('/either', { headers: { authorization: `Bearer ${viewer}` } }),
      403,
      /manager role/,
    );
  });
});
