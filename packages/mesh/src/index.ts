/** @module The local Knative Eventing mesh and the runner that brings all of Stockflow up on one machine. */
export { ARRIVAL_TIME, type MeshStats, type Resolver } from './broker.ts';
export { type CesqlExpression, CesqlParseError, compileCesql } from './cesql/index.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { type MeshEvent, readEvent, toStructured } from './cloudevent.ts';
export { loadManifests, ManifestError, type ManifestObject, type Manifests } from './manifests.ts';
export { type Mesh, type MeshOptions, startMesh } from './mesh.ts';
export { type CaughtMessage, type MailCatcher, startMailCatcher } from './runner/mail-catcher.ts';
export { type Stack, type StackOptions, type StackUrls, startStack } from './runner/stack.ts';
export { type RecordedRequest, startSubscriber, type TestSubscriber } from './testing.ts';
