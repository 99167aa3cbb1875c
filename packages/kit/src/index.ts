/** @module The Stockflow function kit: everything a function needs and nothing of any one business. */
export {
  type AppEnv,
  type ConfigOf,
  type CreateOptions,
  defineFunction,
  readJson,
  type StockflowApp,
  type StockflowFunction,
} from './app.ts';
export { bearerToken, parseBearer, secretsEqual } from './auth.ts';
export { type EventRecord, readCloudEvent, SinkError, sendEvent, toRecord } from './cloudevents.ts';
export { type BaseConfig, baseEnv, ConfigError, envInt, parseEnv } from './config.ts';
export { dueIds, failedItems, recordFailedAttempt } from './due-items.ts';
export {
  ANY_TYPE,
  applyOnce,
  type DeliveryContext,
  type DeliveryHandler,
  type EventContext,
  type EventHandler,
  type EventHandlers,
  handleEachDelivery,
  knownTypes,
  OTHER_TYPE,
  PING_TYPE,
  typeLabel,
} from './events.ts';
export { FIRESTORE_SETTINGS } from './firestore.ts';
export { GroupCommit, type GroupCommitOptions } from './group-commit.ts';
export { type Jose, loadJose } from './jose.ts';
export type { LazyMetrics } from './lazy-metrics.ts';
export { createLogger, type Logger, type LogScope, logScope } from './log.ts';
export type { QueueOutcome } from './metrics.ts';
export { limitOpenAnswers, type OpenLimit, type OpenLimitOptions } from './open-limit.ts';
export { OUTBOX_COLLECTION, Outbox, type OutboxItem, type OutboxStats, type SenderToken } from './outbox.ts';
export * from './problem.ts';
export {
  type CursorValue,
  decodeCursor,
  encodeCursor,
  type PageOptions,
  pageLimit,
  readCursorQuery,
  readPage,
  readQuery,
  startAfterCursor,
} from './query.ts';
export { nextAttemptAt, type RetryPolicy, RetryQueue, type RetryQueueOptions } from './retry-queue.ts';
export {
  type ConsumedEvent,
  DEDUPE_RETENTION_MS,
  dedupeKey,
  type EmitInput,
  INBOX_COLLECTION,
  Runtime,
  type Work,
} from './runtime.ts';
export {
  podNamespace,
  type Sender,
  SenderGuard,
  type SenderKind,
  SenderVerifier,
  senderKind,
  serviceAccountSubject,
} from './sender.ts';
export { runFunction, type Serving, serveFunction } from './serve.ts';
export {
  actorOf,
  authorize,
  BREAK_GLASS_SUBJECT,
  createStaffAuth,
  requireRole,
  roleAllows,
  STAFF_TOKEN_ALGORITHM,
  STAFF_TOKEN_ISSUER,
  STAFF_TOKEN_TTL_SECONDS,
  type StaffActor,
  type StaffAuth,
  signStaffToken,
  staffOf,
  withActor,
} from './staff.ts';
export { DEFAULT_TOKEN_FILE, TokenFile } from './token-file.ts';
export { childSpan, formatTraceparent, parseTraceparent, type TraceContext } from './trace.ts';
