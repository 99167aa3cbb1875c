/**
 * @module The local stack's OpenID Connect issuer, so that staff sign in locally exactly as in
 * production: `oidc-provider` (panva's certified implementation; not hand-written) with a sign-in
 * page listing seeded people, one per role, and one with no role. web is its only client
 * (authorization code + PKCE). Development and tests only: accounts, grants and keys live in memory.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

/** The seeded people (documented in the README); `role` is their bootstrap role in web. */
export const DEV_STAFF = [
  { id: 'vera', name: 'Vera Viewer', email: 'vera@stockflow.local', role: 'viewer' },
  { id: 'colin', name: 'Colin Clerk', email: 'colin@stockflow.local', role: 'clerk' },
  { id: 'maya', name: 'Maya Manager', email: 'maya@stockflow.local', role: 'manager' },
  { id: 'nora', name: 'Nora Newcomer', email: 'nora@stockflow.local', role: undefined },
] as const;
export type DevStaffId = (typeof DEV_STAFF)[number]['id'];

/** web's `STAFF_BOOTSTRAP_ROLES` for the seeded people. */
export const DEV_BOOTSTRAP_ROLES = DEV_STAFF.filter((person) => person.role)
  .map((person) => `${person.email}=${person.role}`)
  .join(',');

export const DEV_CLIENT_ID = 'stockflow-web';

export interface DevIssuer {
  /** `STAFF_OIDC_ISSUER` */
  url: string;
  clientId: string;
  /** `STAFF_OIDC_CLIENT_SECRET` (random per run) */
  clientSecret: string;
  stop(): Promise<void>;
}

export interface DevIssuerOptions {
  /** 0: any free port. */
  port: number;
  /** web's origins (`http://127.0.0.1:8080`, ...): each gets `<origin>/auth/callback` registered. */
  webOrigins: string[];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function signInPage(uid: string): string {
  const people = DEV_STAFF.map(
    (person) =>
      `<li><form method="post" action="/interaction/${escapeHtml(uid)}"><input type="hidden" name="person" value="${person.id}">` +
      `<button type="submit">Sign in as ${escapeHtml(person.name)}</button> <small>${person.email} · ${person.role ?? 'no role'}</small></form></li>`,
  ).join('');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Stockflow dev sign-in</title>
<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto"><h1>Stockflow dev sign-in</h1>
<p>The local identity provider. Pick a seeded person; each has the role shown (in web's role bindings).</p>
<ul style="list-style:none;padding:0;line-height:2.5">${people}</ul></body></html>`;
}

async function formField(req: IncomingMessage, name: string): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4096) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get(name) ?? undefined;
}

export async function startDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });

  // Loaded here, not with the module: only a stack that signs staff in needs it (sender-token and
  // the mesh CLI import the runner too), and it warns about Node 20 when it loads.
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(url, {
    clients: [
      {
        client_id: DEV_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: options.webOrigins.map((origin) => `${origin}/auth/callback`),
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'dev' }] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    // The ID token carries name and email: web reads them there (no userinfo call).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600, AccessToken: 600, IdToken: 600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // web is the one first-party client: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId =
        ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, id) {
      const person = DEV_STAFF.find((candidate) => candidate.id === id);
      if (!person) return undefined;
      return {
        accountId: person.id,
        claims: () => ({ sub: person.id, name: person.name, email: person.email, email_verified: true }),
      };
    },
  });
  const callback = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(path);
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.uid !== match[1]) throw new Error('interaction mismatch');
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          return void res.end(signInPage(details.uid));
        }
        const id = await formField(req, 'person');
        if (!DEV_STAFF.some((person) => person.id === id)) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          return void res.end('No such person.');
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: id! } },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`Sign-in failed: ${(error as Error).message}`);
      }
    })();
  });

  return {
    url,
    clientId: DEV_CLIENT_ID,
    clientSecret,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The local stack's staff identity: the dev issuer, and the keys and settings the manifests read. */
export interface LocalStaffIdentity {
  issuer: DevIssuer;
  /** By `Secret/<name>/<key>` and `ConfigMap/<name>/<key>`, as knative/base names them. */
  refs: Record<string, string>;
  /** Signs staff tokens as web does (tests mint tokens for the functions with it). */
  signingKey: CryptoKey;
}

/**
 * Starts the dev issuer and makes what a cluster's `stockflow-staff` Secret and ConfigMap hold:
 * web's ES256 signing key and session secret, the functions' JWKS, the issuer and seeded roles.
 */
export async function startLocalStaffIdentity(options: DevIssuerOptions): Promise<LocalStaffIdentity> {
  const issuer = await startDevIssuer(options);
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomBytes(6).toString('base64url');
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid };
  return {
    issuer,
    signingKey: privateKey,
    refs: {
      'Secret/stockflow-staff/signing-key': JSON.stringify({
        ...(await exportJWK(privateKey)),
        alg: 'ES256',
        kid,
      }),
      'Secret/stockflow-staff/session-secret': randomBytes(32).toString('base64url'),
      'Secret/stockflow-staff-oidc/client-secret': issuer.clientSecret,
      'ConfigMap/stockflow-staff/jwks': JSON.stringify({ keys: [publicJwk] }),
      'ConfigMap/stockflow-staff/auth': 'oidc',
      'ConfigMap/stockflow-staff/oidc-issuer': issuer.url,
      'ConfigMap/stockflow-staff/oidc-client-id': issuer.clientId,
      'ConfigMap/stockflow-staff/bootstrap-roles': DEV_BOOTSTRAP_ROLES,
    },
  };
}
