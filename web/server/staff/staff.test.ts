import { Hono } from 'hono';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { web } from '../app.ts';
import { IAP_HEADER, IAP_ISSUER, iapVerifier } from './iap.ts';
import { safeReturnPath } from './oidc.ts';
import { SESSION_COOKIE, Sealer, Sessions } from './session.ts';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const person = { subject: 'maya', name: 'Maya Manager', email: 'maya@stockflow.local' };

function sessionApp(sessions = new Sessions(new Sealer(SECRET), 3600)) {
  const app = new Hono();
  app.post('/in', async (c) => {
    await sessions.start(c, person);
    return c.body(null, 204);
  });
  app.get('/me', async (c) => c.json((await sessions.read(c)) ?? null));
  app.post('/out', (c) => {
    sessions.end(c);
    return c.body(null, 204);
  });
  return app;
}

describe('the staff session cookie', () => {
  it('is HttpOnly, SameSite=Strict, for the whole site, and not Secure over plain http', async () => {
    const res = await sessionApp().request('http://shop.test/in', { method: 'POST' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=3600/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('is Secure over https, directly or as the edge says (X-Forwarded-Proto)', async () => {
    for (const [url, headers] of [
      ['https://shop.test/in', {}],
      ['http://shop.test/in', { 'x-forwarded-proto': 'https' }],
    ] as const) {
      const res = await sessionApp().request(url, { method: 'POST', headers });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
    }
  });

  it('carries who signed in, sealed: unreadable, and refused once tampered with, re-keyed or expired', async () => {
    const app = sessionApp();
    const value = (await app.request('/in', { method: 'POST' })).headers.get('set-cookie')!.split(';')[0]!;
    expect(value).not.toContain('maya');
    expect(Buffer.from(value.split('.')[1] ?? '', 'base64url').toString()).not.toContain('maya');
    const read = async (cookie: string, target = app) =>
      (await target.request('/me', { headers: { cookie } })).json();
    expect(await read(value)).toEqual(person);
    expect(await read(`${value.slice(0, -3)}abc`)).toBeNull();
    expect(await read(value, sessionApp(new Sessions(new Sealer(`${SECRET}-other`), 3600)))).toBeNull();
    const expired = await new Sealer(SECRET).seal({ ...person }, -10);
    expect(await read(`${SESSION_COOKIE}=${expired}`)).toBeNull();
  });

  it('is cleared on sign-out', async () => {
    const res = await sessionApp().request('/out', { method: 'POST' });
    expect(res.headers.get('set-cookie')).toMatch(
      new RegExp(`^${SESSION_COOKIE}=; Max-Age=0; .*HttpOnly.*SameSite=Strict`),
    );
  });
});

describe("IAP's signed header", () => {
  const AUDIENCE = '/projects/123/global/backendServices/456';
  const setup = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const verifier = iapVerifier(AUDIENCE, async () => publicKey);
    const app = new Hono();
    app.get('/', async (c) => c.json((await verifier.person(c)) ?? null));
    const assertion = (edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt, key = privateKey) =>
      edit(
        new SignJWT({ email: 'alice@example.com' })
          .setProtectedHeader({ alg: 'ES256', kid: 'k' })
          .setIssuer(IAP_ISSUER)
          .setAudience(AUDIENCE)
          .setSubject('accounts.google.com:1234')
          .setIssuedAt()
          .setExpirationTime('10m'),
      ).sign(key);
    const who = async (token?: string) =>
      (await app.request('/', { headers: token ? { [IAP_HEADER]: token } : {} })).json();
    return { assertion, who };
  };

  it('names the person IAP signed in', async () => {
    const { assertion, who } = await setup();
    expect(await who(await assertion())).toEqual({
      subject: 'accounts.google.com:1234',
      name: 'alice@example.com',
      email: 'alice@example.com',
    });
  });

  it('is refused when absent, expired, for another audience or issuer, tampered with or forged', async () => {
    const { assertion, who } = await setup();
    const other = (await generateKeyPair('ES256')).privateKey;
    const good = await assertion();
    const [head, payload, sig] = good.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        email: 'boss@example.com',
      }),
    ).toString('base64url');
    for (const token of [
      undefined,
      await assertion((jwt) => jwt.setIssuedAt(1_000).setExpirationTime(1_600)),
      await assertion((jwt) => jwt.setAudience('/projects/123/global/backendServices/999')),
      await assertion((jwt) => jwt.setIssuer('https://evil.example')),
      `${head}.${forgedPayload}.${sig}`,
      await assertion(undefined, other),
    ]) {
      expect(await who(token)).toBeNull();
    }
  });
});

describe('signing in', () => {
  it('returns only to paths of this site', () => {
    expect(safeReturnPath('/admin/stock?low=true')).toBe('/admin/stock?low=true');
    for (const unsafe of [
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      'admin',
      undefined,
      '/a b',
    ]) {
      expect(safeReturnPath(unsafe)).toBe('/admin');
    }
  });

  it('refuses to start without what its mode needs, and answers 404 at /auth when off', async () => {
    expect(() => web.create({ env: { LOG_LEVEL: 'silent', STAFF_AUTH: 'oidc' } })).toThrow(
      /STAFF_SIGNING_KEY/,
    );
    const off = web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: '/nonexistent' } });
    const res = await off.app.request('/auth/login');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
