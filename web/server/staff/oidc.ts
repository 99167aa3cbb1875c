/**
 * @module Signing staff in with OpenID Connect (`openid-client`): web is the confidential client of
 * `STAFF_OIDC_ISSUER` and runs the authorization-code flow with PKCE, state and nonce. The browser
 * only ever carries the code (to web's callback) and, after, web's session cookie: no token reaches
 * the SPA, storage or a URL it keeps. openid-client loads with the first sign-in, not at start.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type * as OpenIdClient from 'openid-client';
import { cookieFlags, type Sealer, SIGN_IN_COOKIE, type StaffPerson } from './session.ts';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the issuer sends the browser back; by default `<web's origin>/auth/callback`. */
  redirectUri?: string;
}

/** A sign-in has this long between leaving for the issuer and coming back. */
const SIGN_IN_SECONDS = 600;

/** Only paths of this site are places to return to after signing in (no open redirect). */
export function safeReturnPath(value: string | undefined): string {
  return value && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/admin';
}

let loadingClient: Promise<typeof OpenIdClient> | undefined;
/** openid-client, imported once, on the first sign-in (it is most of what signing in weighs). */
function loadClient(): Promise<typeof OpenIdClient> {
  loadingClient ??= import('openid-client');
  return loadingClient;
}

export class OidcSignIn {
  #config?: Promise<OpenIdClient.Configuration>;

  constructor(
    private readonly options: OidcOptions,
    private readonly sealer: Sealer,
  ) {}

  /** The issuer's metadata, discovered once (again after a failure: the issuer may start later). */
  #discover(): Promise<OpenIdClient.Configuration> {
    if (!this.#config) {
      const issuer = new URL(this.options.issuer);
      this.#config = loadClient()
        .then((client) =>
          client.discovery(issuer, this.options.clientId, this.options.clientSecret, undefined, {
            // A local dev issuer speaks plain http; anything else must be https.
            execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
          }),
        )
        .catch((error) => {
          this.#config = undefined;
          throw error;
        });
    }
    return this.#config;
  }

  #redirectUri(c: Context): string {
    return this.options.redirectUri ?? new URL('/auth/callback', c.req.url).href;
  }

  /** The issuer's authorization URL for a new sign-in; its checks go in a short-lived sealed cookie. */
  async begin(c: Context, returnTo: string): Promise<URL> {
    const config = await this.#discover();
    const client = await loadClient();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const sealed = await this.sealer.seal({ verifier, state, nonce, returnTo }, SIGN_IN_SECONDS);
    // Lax, not Strict: the issuer's redirect back is a cross-site navigation.
    setCookie(c, SIGN_IN_COOKIE, sealed, { ...cookieFlags(c, 'Lax', '/auth'), maxAge: SIGN_IN_SECONDS });
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.#redirectUri(c),
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /** The person the issuer signed in, and where they wanted to go; throws on any failed check. */
  async complete(c: Context): Promise<{ person: StaffPerson; returnTo: string }> {
    const checks = await this.sealer.open(getCookie(c, SIGN_IN_COOKIE));
    deleteCookie(c, SIGN_IN_COOKIE, cookieFlags(c, 'Lax', '/auth'));
    if (!checks) throw new Error('no sign-in in progress (or it took too long)');
    const config = await this.#discover();
    const current = new URL(this.#redirectUri(c));
    current.search = new URL(c.req.url).search;
    const client = await loadClient();
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: String(checks.verifier),
      expectedState: String(checks.state),
      expectedNonce: String(checks.nonce),
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const name =
      (typeof claims.name === 'string' && claims.name) ||
      (typeof claims.preferred_username === 'string' && claims.preferred_username) ||
      email ||
      claims.sub;
    return {
      person: { subject: claims.sub, name, ...(email ? { email } : {}) },
      returnTo: safeReturnPath(String(checks.returnTo)),
    };
  }
}
