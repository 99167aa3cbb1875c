/** @module The local Knative Eventing mesh and the runner that brings all of Stockflow up on one machine. */
export {
  authorize,
  policiesFor,
  subjectAndFiltersPass,
  subjectMatches,
} from './auth/event-policy.ts';
export {
  createIssuer,
  DISCOVERY_PATH,
  generateSigningKey,
  type Issuer,
  JWKS_PATH,
  type PrivateJwk,
  TOKEN_LIFETIME_SECONDS,
  TokenError,
} from './auth/issuer.ts';
export {
  audienceOf,
  brokerAudience,
  childName,
  oidcServiceAccountName,
  oidcSubject,
  serviceAccountSubject,
} from './auth/names.ts';
export { bearerToken } from './auth/verifier.ts';
export { ARRIVAL_TIME, type MeshStats, type Resolver } from './broker.ts';
export { type CesqlExpression, CesqlParseError, compileCesql } from './cesql/index.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { type MeshEvent, readEvent, toStructured } from './cloudevent.ts';
export { DEFAULT_FEATURES, type Features, readFeatures } from './features.ts';
export { loadManifests, ManifestError, type ManifestObject, type Manifests } from './manifests.ts';
export { type Mesh, type MeshOptions, startMesh } from './mesh.ts';
export { INSECURE_EVENTS, OIDC_ISSUER, OIDC_TOKEN_FILE } from './runner/env.ts';
export { type CaughtMessage, type MailCatcher, startMailCatcher } from './runner/mail-catcher.ts';
export { PAYMENTS_REFS, SANDBOX_WEBHOOK_PATH } from './runner/payment-provider.ts';
export { type Stack, type StackOptions, type StackUrls, startStack } from './runner/stack.ts';
export { sinkAudience, sinkBindingSubject } from './runner/token-files.ts';
export { type RecordedRequest, startSubscriber, type TestSubscriber } from './testing.ts';
