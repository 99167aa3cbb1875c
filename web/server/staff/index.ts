/**
 * @module Staff sign-in at web, the backend-for-frontend: `/auth/*` signs people in (OpenID Connect,
 * or Identity-Aware Proxy on GKE) and out, `/api/staff/users` lets managers set roles, and every
 * request web forwards for a signed-in person with a role, and without an `Authorization` of its own,
 * carries a staff token minted for that one function (`Authorization: Bearer`, ES256, 60 s).
 */
import type { Firestore } from '@google-cloud/firestore';
import { type Actor, RoleChange, type StaffRole } from '@stockflow/contracts';
import {
  type AppEnv,
  envInt,
  forbidden,
  loadJose,
  notFound,
  Problem,
  readJson,
  roleAllows,
  type StaffActor,
  signStaffToken,
  unauthorized,
} from '@stockflow/kit';
import type { Context, Hono } from 'hono';
import type { JWK } from 'jose';
import * as z from 'zod/mini';
import { type IapVerifier, iapVerifier } from './iap.ts';
import { OidcSignIn, safeReturnPath } from './oidc.ts';
import { parseBootstrapRoles, RoleBindings, type StaffMember } from './roles.ts';
import { Sealer, Sessions, type StaffPerson } from './session.ts';

export const STAFF_AUTH_MODES = ['off', 'oidc', 'iap'] as const;

/** web's staff settings (see the README's table). */
export const staffEnv = {
  /** How staff sign in: `oidc` (web runs the flow), `iap` (IAP in front of web), `off` (nobody). */
  STAFF_AUTH: z._default(z.enum(STAFF_AUTH_MODES), 'off'),
  STAFF_OIDC_ISSUER: z.optional(z.url()),
  STAFF_OIDC_CLIENT_ID: z.optional(z.string().check(z.minLength(1))),
  STAFF_OIDC_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  STAFF_OIDC_REDIRECT_URI: z.optional(z.url()),
  /** IAP's audience: `/projects/<number>/global/backendServices/<id>`. */
  STAFF_IAP_AUDIENCE: z.optional(z.string().check(z.minLength(1))),
  STAFF_SESSION_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  STAFF_SESSION_HOURS: z._default(envInt({ min: 1, max: 24 * 7 }), 8),
  /** The private ES256 JWK (JSON) web signs staff tokens with; the functions get its public half. */
  STAFF_SIGNING_KEY: z.optional(z.string().check(z.minLength(2))),
  STAFF_BOOTSTRAP_ROLES: z.optional(z.string()),
};
const staffSchema = z.object(staffEnv);
type StaffConfig = z.infer<typeof staffSchema>;

/** What web's proxy asks before forwarding: the Authorization to send to `fn`, if web sets one. */
export type StaffAuthorization = (c: Context, fn: string) => Promise<string | undefined>;

function required<T>(value: T | undefined, name: string, mode: string): T {
  if (value === undefined) throw new Error(`web: STAFF_AUTH=${mode} needs ${name}`);
  return value;
}

/** The private signing key; refused when it is not an EC P-256 private JWK. */
function signingKey(text: string): { key: Promise<CryptoKey>; keyId?: string } {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error('web: STAFF_SIGNING_KEY must be a JSON Web Key');
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) {
    throw new Error('web: STAFF_SIGNING_KEY must be a private EC P-256 JWK (ES256)');
  }
  return {
    key: loadJose().then((jose) => jose.importJWK(jwk, 'ES256') as Promise<CryptoKey>),
    keyId: jwk.kid,
  };
}

/** A state-changing request from another site (a forged form): refused before the session is used. */
function crossSite(c: Context): boolean {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return false;
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = c.req.header('origin');
  return Boolean(origin && origin !== new URL(c.req.url).origin && origin !== forwardedOrigin(c));
}

const forwardedOrigin = (c: Context) => {
  const host = c.req.header('host');
  return host ? `${c.req.header('x-forwarded-proto') === 'https' ? 'https' : 'http'}://${host}` : undefined;
};

export interface StaffOptions {
  config: StaffConfig;
  db: () => Promise<Firestore>;
  log: { warn(message: string, fields?: Record<string, unknown>): void };
  /** IAP's keys (tests give their own; Google's by default). */
  iap?: IapVerifier;
}

/** Mounts `/auth/*` and `/api/staff/*`; answers the proxy's question for every forwarded request. */
export function mountStaff(app: Hono<AppEnv>, options: StaffOptions): StaffAuthorization {
  const { config } = options;
  const mode = config.STAFF_AUTH;
  if (mode === 'off') {
    app.all('/auth/*', () => {
      throw new Problem(404, 'Not Found', { detail: 'Staff sign-in is off here (STAFF_AUTH=off).' });
    });
    return async () => undefined;
  }
  const signer = signingKey(required(config.STAFF_SIGNING_KEY, 'STAFF_SIGNING_KEY', mode));
  const roles = new RoleBindings(options.db, parseBootstrapRoles(config.STAFF_BOOTSTRAP_ROLES));
  let person: (c: Context) => Promise<StaffPerson | undefined>;
  let sessions: Sessions | undefined;
  let signIn: OidcSignIn | undefined;
  if (mode === 'oidc') {
    const sealer = new Sealer(required(config.STAFF_SESSION_SECRET, 'STAFF_SESSION_SECRET', mode));
    sessions = new Sessions(sealer, config.STAFF_SESSION_HOURS * 3600);
    signIn = new OidcSignIn(
      {
        issuer: required(config.STAFF_OIDC_ISSUER, 'STAFF_OIDC_ISSUER', mode),
        clientId: required(config.STAFF_OIDC_CLIENT_ID, 'STAFF_OIDC_CLIENT_ID', mode),
        clientSecret: required(config.STAFF_OIDC_CLIENT_SECRET, 'STAFF_OIDC_CLIENT_SECRET', mode),
        redirectUri: config.STAFF_OIDC_REDIRECT_URI,
      },
      sealer,
    );
    const open = sessions;
    person = (c) => open.read(c);
  } else {
    const iap = options.iap ?? iapVerifier(required(config.STAFF_IAP_AUDIENCE, 'STAFF_IAP_AUDIENCE', mode));
    person = (c) => iap.person(c);
  }

  /** The signed-in member of a request (recorded on first sight), or undefined. */
  const memberOf = async (c: Context): Promise<StaffMember | undefined> => {
    const who = await person(c);
    return who ? roles.signedIn(who) : undefined;
  };
  const staffOf = (member: StaffMember): StaffActor | undefined =>
    member.role ? { subject: member.subject, name: member.name, role: member.role } : undefined;
  /** The staff member of a request whose role allows `role`; 401/403 otherwise. */
  const requireStaff = async (c: Context, role: StaffRole): Promise<StaffActor> => {
    const member = await memberOf(c);
    if (!member) throw unauthorized('Sign in first (/auth/login).');
    const staff = staffOf(member);
    if (!staff || !roleAllows(staff.role, role)) {
      throw forbidden(`This needs the ${role} role; ${member.name} has ${member.role ?? 'no role'}.`);
    }
    if (crossSite(c)) throw forbidden('A cross-site request cannot use a staff session.');
    return staff;
  };

  app.get('/auth/me', async (c) => {
    const member = await memberOf(c);
    c.header('cache-control', 'no-store');
    // Nobody is an answer, not an error: the SPA asks on every visit to /admin.
    if (!member) return c.json(null);
    return c.json({
      subject: member.subject,
      name: member.name,
      email: member.email,
      role: member.role,
      mode,
    });
  });

  app.get('/auth/login', async (c) => {
    const returnTo = safeReturnPath(c.req.query('return'));
    // Behind IAP the person signed in before reaching web.
    if (!signIn) return c.redirect(returnTo, 303);
    return c.redirect((await signIn.begin(c, returnTo)).href, 303);
  });

  app.get('/auth/callback', async (c) => {
    if (!signIn || !sessions) throw notFound('No sign-in callback here.');
    let signedIn: Awaited<ReturnType<OidcSignIn['complete']>>;
    try {
      signedIn = await signIn.complete(c);
    } catch (error) {
      options.log.warn('staff sign-in refused', { reason: (error as Error).message });
      throw unauthorized('The sign-in could not be completed; start again from /auth/login.');
    }
    await sessions.start(c, signedIn.person);
    await roles.signedIn(signedIn.person);
    // A page, not a redirect: a navigation that began at the issuer (another site) would not carry
    // the SameSite=Strict cookie just set; this page's own navigation does.
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    const to = encodeURI(signedIn.returnTo);
    return c.html(
      `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${to}"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><title>Signed in</title><p>Signed in. <a href="${to}">Continue</a></p>`,
    );
  });

  app.post('/auth/logout', async (c) => {
    if (crossSite(c)) throw forbidden('A cross-site request cannot sign out.');
    sessions?.end(c);
    return c.body(null, 204);
  });

  app.get('/api/staff/users', async (c) => {
    await requireStaff(c, 'viewer');
    return c.json({ items: await roles.list() });
  });

  app.put('/api/staff/users/:id/role', async (c) => {
    const manager = await requireStaff(c, 'manager');
    const { role } = await readJson(c, RoleChange);
    const id = c.req.param('id');
    const own = (await memberOf(c))!;
    // A manager cannot lock themself out (nor the last manager demote themself by mistake).
    if (own.id === id) throw forbidden('You cannot change your own role; ask another manager.');
    const by: Actor = { subject: manager.subject, name: manager.name };
    const changed = await roles.setRole(id, role, by);
    if (!changed) throw notFound(`No staff member ${id}.`);
    options.log.warn('staff role changed', { member: changed.subject, role, by });
    return c.json(changed);
  });

  return async function staffAuthorization(c, fn) {
    // A credential the page sent itself (an order's token on the shop's pages) goes through as is.
    if (c.req.header('authorization') !== undefined) return undefined;
    const member = await memberOf(c);
    const staff = member && staffOf(member);
    if (!staff) return undefined;
    if (crossSite(c)) throw forbidden('A cross-site request cannot use a staff session.');
    const token = await signStaffToken(await signer.key, staff, { audience: fn, keyId: signer.keyId });
    return `Bearer ${token}`;
  };
}
