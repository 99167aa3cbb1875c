/**
 * @module A test OIDC issuer on 127.0.0.1: a jose key pair, the discovery document and the JWKS
 * over real HTTP (so tests exercise the kit's discovery path), and tokens shaped as Kubernetes
 * issues them, valid or broken in the ways a test asks for.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { serviceAccountSubject } from '../sender.ts';

/** The audience `testEnv` gives functions (`EVENTS_AUDIENCE`) and tokens carry by default. */
export const TEST_AUDIENCE = 'stockflow-test';
/** The default delivery subject: a Trigger's OIDC identity in namespace `default`. */
export const TEST_TRIGGER_SUBJECT = serviceAccountSubject('tests-oidc-eventing.knative.dev-trigger');
/** The subject of pings: a PingSource's OIDC identity in namespace `default`. */
export const TEST_PING_SUBJECT = serviceAccountSubject('tests-oidc-sources.knative.dev-pingsource');

export interface TokenOptions {
  /** Default TEST_TRIGGER_SUBJECT. */
  subject?: string;
  /** Default TEST_AUDIENCE. */
  audience?: string;
  /** Default the issuer's own URL. */
  issuer?: string;
  /** Seconds until expiry (default an hour; negative for an expired token). */
  expiresIn?: number;
  /** Sign with a key the JWKS does not hold, under the current key's `kid` (a forged signature). */
  foreignKey?: boolean;
}

export interface TestIssuer {
  /** The issuer URL (`OIDC_ISSUER`). */
  url: string;
  /** A signed token (RS256, `kid` in the header, as Kubernetes issues them). */
  token(options?: TokenOptions): Promise<string>;
  /** Makes a new signing key current; the JWKS then holds both (old tokens stay valid). */
  rotateKey(): Promise<void>;
  /** How many times the discovery document and the JWKS were fetched. */
  readonly discoveryFetches: number;
  readonly jwksFetches: number;
  /** Each answer leaves this long after its request came (0): an issuer slow under load. */
  answerDelayMs: number;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Starts an issuer on an ephemeral port of 127.0.0.1; it does not keep the process alive. */
export async function startTestIssuer(): Promise<TestIssuer> {
  const keys = [await signingKey()];
  const foreign = await signingKey();
  let discoveryFetches = 0;
  let jwksFetches = 0;
  let url = '';
  const server = createServer((req, res) => {
    const json = (body: unknown) =>
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        issuer.answerDelayMs,
      );
    if (req.url === '/.well-known/openid-configuration') {
      discoveryFetches++;
      json({
        issuer: url,
        jwks_uri: `${url}/openid/v1/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (req.url === '/openid/v1/jwks') {
      jwksFetches++;
      json({ keys: keys.map((key) => key.publicJwk) });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: TestIssuer = {
    url,
    answerDelayMs: 0,
    async token(options = {}) {
      const current = keys.at(-1)!;
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = options.expiresIn ?? 3600;
      return new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: current.kid })
        .setIssuer(options.issuer ?? url)
        .setSubject(options.subject ?? TEST_TRIGGER_SUBJECT)
        .setAudience(options.audience ?? TEST_AUDIENCE)
        .setIssuedAt(Math.min(now, now + expiresIn - 60))
        .setNotBefore(Math.min(now, now + expiresIn - 60))
        .setExpirationTime(now + expiresIn)
        .sign(options.foreignKey ? foreign.privateKey : current.privateKey);
    },
    async rotateKey() {
      keys.push(await signingKey());
    },
    get discoveryFetches() {
      return discoveryFetches;
    },
    get jwksFetches() {
      return jwksFetches;
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return issuer;
}
