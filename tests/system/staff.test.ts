/**
 * @module Staff sign in as people, with roles: each seeded person of the dev issuer signs in through
 * web (authorization code + PKCE, real HTTP, the issuer's own sign-in page), and the API lets each
 * role do what it may and refuses the rest (real functions, real emulator). Admin changes name their
 * actor in the ledger.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 120_000);
afterAll(() => stack?.stop());

/** Cookies per origin, as a browser keeps them (names and values only). */
class CookieJar {
  readonly #jars = new Map<string, Map<string, string>>();
  header(url: URL): string {
    return [...(this.#jars.get(url.origin) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  keep(url: URL, res: Response): void {
    const jar = this.#jars.get(url.origin) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value && !/max-age=0/i.test(line)) jar.set(name, value);
      else jar.delete(name);
    }
    this.#jars.set(url.origin, jar);
  }
}

interface SignedIn {
  /** `stockflow_staff=…`: the session cookie to send to web. */
  cookie: string;
  /** Every Set-Cookie web answered the callback with. */
  setCookie: string[];
}

/** Signs in through web and the dev issuer's sign-in page as `person` (its button's name). */
async function signIn(person: string): Promise<SignedIn> {
  const jar = new CookieJar();
  let url = new URL('/auth/login?return=/admin', stack.urls.web);
  let res: Response | undefined;
  for (let hop = 0; hop < 12; hop++) {
    res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.keep(url, res);
    if (res.status === 200 && url.pathname.startsWith('/interaction/')) {
      const page = await res.text();
      expect(page).toContain(`Sign in as ${person}`);
      const id = new RegExp(`value="([a-z]+)"><button type="submit">Sign in as ${person}<`).exec(page)![1]!;
      res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ person: id }),
      });
      jar.keep(url, res);
    }
    if (url.pathname === '/auth/callback') break;
    const location = res.headers.get('location');
    if (!location) throw new Error(`sign-in stopped at ${url} with ${res.status}: ${await res.text()}`);
    url = new URL(location, url);
  }
  expect(res!.status).toBe(200);
  const setCookie = res!.headers.getSetCookie();
  const session = setCookie.find((line) => line.startsWith('stockflow_staff='));
  expect(session, 'the callback sets the session cookie').toBeDefined();
  return { cookie: session!.split(';')[0]!, setCookie };
}

async function api(path: string, who: SignedIn | undefined, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (who) headers.set('cookie', who.cookie);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${stack.urls.web}${path}`, {
    ...init,
    headers,
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

const newProduct = () => ({
  sku: `STAFF-${randomUUID().slice(0, 8)}`,
  name: 'Staff test lamp',
  priceCents: 1000,
  currency: 'EUR',
});

describe('staff sign in as people, with roles', () => {
  let viewer: SignedIn;
  let clerk: SignedIn;
  let manager: SignedIn;
  let newcomer: SignedIn;
  beforeAll(async () => {
    viewer = await signIn('Vera Viewer');
    clerk = await signIn('Colin Clerk');
    manager = await signIn('Maya Manager');
    newcomer = await signIn('Nora Newcomer');
  }, 60_000);

  it('keeps the session in an HttpOnly, SameSite=Strict cookie (not Secure over http), and names the person', async () => {
    const line = viewer.setCookie.find((l) => l.startsWith('stockflow_staff='))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Path=\//);
    expect(line).not.toMatch(/Secure/);
    const me = await api('/auth/me', viewer);
    expect(me.body).toMatchObject({ name: 'Vera Viewer', role: 'viewer', email: 'vera@stockflow.local' });
    expect((await api('/auth/me', undefined)).body).toBeNull();
  });

  it('lets a viewer read everything admin and change nothing', async () => {
    expect((await api('/api/orders?limit=5', viewer)).status).toBe(200);
    expect((await api('/api/inventory/stock?limit=5', viewer)).status).toBe(200);
    expect((await api('/api/ledger/events?limit=5', viewer)).status).toBe(200);
    expect((await api('/api/ledger/dead-letters', viewer)).status).toBe(200);
    expect((await api('/api/staff/users', viewer)).status).toBe(200);
    const create = await api('/api/catalog/products', viewer, { method: 'POST', json: newProduct() });
    expect(create.status).toBe(403);
    expect(create.type).toMatch(/application\/problem\+json/);
    const adjust = await api('/api/inventory/stock/p-1/adjustments', viewer, {
      method: 'POST',
      json: { delta: 5, reason: 'count' },
    });
    expect(adjust.status).toBe(403);
  });

  it('lets a clerk move stock but not keep the catalog, replay or set roles', async () => {
    const adjust = await api(`/api/inventory/stock/staff-${randomUUID().slice(0, 8)}/adjustments`, clerk, {
      method: 'POST',
      json: { delta: 5, reason: 'goods counted' },
    });
    expect(adjust.status).toBe(200);
    expect((await api('/api/catalog/products', clerk, { method: 'POST', json: newProduct() })).status).toBe(
      403,
    );
    const replay = await api('/api/ledger/dead-letters/replay', clerk, {
      method: 'POST',
      json: { ids: ['x'] },
    });
    expect(replay.status).toBe(403);
    const users = (await api('/api/staff/users', clerk)).body.items as Array<{ id: string; name: string }>;
    const nora = users.find((u) => u.name === 'Nora Newcomer')!;
    expect(
      (await api(`/api/staff/users/${nora.id}/role`, clerk, { method: 'PUT', json: { role: 'viewer' } }))
        .status,
    ).toBe(403);
  });

  it("lets a manager keep the catalog, and the ledger names the manager as the change's actor", async () => {
    const created = await api('/api/catalog/products', manager, { method: 'POST', json: newProduct() });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const deadline = Date.now() + 20_000;
    let recorded: { event: { data: { actor?: unknown } } } | undefined;
    while (!recorded && Date.now() < deadline) {
      const page = await api(`/api/ledger/events?subject=${id}&type=io.stockflow.product.created`, viewer);
      recorded = page.body.items[0];
      if (!recorded) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(recorded?.event.data.actor).toEqual({ subject: 'maya', name: 'Maya Manager' });
  });

  it('gives a person without a role nothing, until a manager grants one', async () => {
    expect((await api('/auth/me', newcomer)).body).toMatchObject({ name: 'Nora Newcomer', role: null });
    expect((await api('/api/orders?limit=1', newcomer)).status).toBe(401);
    expect((await api('/api/staff/users', newcomer)).status).toBe(403);
    const users = (await api('/api/staff/users', manager)).body.items as Array<{ id: string; name: string }>;
    const nora = users.find((u) => u.name === 'Nora Newcomer')!;
    const granted = await api(`/api/staff/users/${nora.id}/role`, manager, {
      method: 'PUT',
      json: { role: 'viewer' },
    });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({
      role: 'viewer',
      roleSetBy: { subject: 'maya', name: 'Maya Manager' },
    });
    expect((await api('/api/orders?limit=1', newcomer)).status).toBe(200);
    const me = (await api('/auth/me', manager)).body as { subject: string };
    const own = users.find((u) => u.name === 'Maya Manager')!;
    expect(me.subject).toBe('maya');
    expect(
      (await api(`/api/staff/users/${own.id}/role`, manager, { method: 'PUT', json: { role: null } })).status,
    ).toBe(403);
  });

  it('refuses a cross-site request that carries the session, anonymous admin calls, and a forged session', async () => {
    const forged = await api('/api/catalog/products', manager, {
      method: 'POST',
      json: newProduct(),
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    expect((await api('/api/orders?limit=1', undefined)).status).toBe(401);
    // A credential the page sends itself (an order's token) goes through as is, not the session's.
    const own = await api('/api/orders?limit=1', viewer, {
      headers: { authorization: 'Bearer not-an-order-token' },
    });
    expect(own.status).toBe(401);
    const tampered = { ...viewer, cookie: `${viewer.cookie.slice(0, -4)}AAAA` };
    expect((await api('/api/orders?limit=1', tampered)).status).toBe(401);
  });

  it('signs out: the cookie is cleared', async () => {
    const res = await fetch(`${stack.urls.web}/auth/logout`, {
      method: 'POST',
      headers: { cookie: clerk.cookie },
    });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().join()).toMatch(/stockflow_staff=;.*Max-Age=0/);
  });
});
