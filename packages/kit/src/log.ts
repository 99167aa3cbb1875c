/**
 * @module Structured JSON logs in the shape Cloud Logging reads from stdout (`severity`, `message`,
 * `logging.googleapis.com/trace`), carrying the current request's trace and request id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './trace.ts';

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };
const SEVERITY_RANK: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

export interface LogScope {
  trace?: TraceContext;
  requestId?: string;
}

/** The scope of the request or event being handled; logs written inside it carry its trace. */
export const logScope = new AsyncLocalStorage<LogScope>();

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  projectId?: string;
  write?: (line: string) => void;
}

export function createLogger({ service, level = 'info', projectId, write }: LoggerOptions): Logger {
  const out = write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const min = RANK[level];
  const emit = (severity: Severity, message: string, fields?: Record<string, unknown>) => {
    if (SEVERITY_RANK[severity] < min) return;
    const scope = logScope.getStore();
    const entry: Record<string, unknown> = { severity, message, time: new Date().toISOString(), service };
    if (scope?.trace) {
      entry['logging.googleapis.com/trace'] = projectId
        ? `projects/${projectId}/traces/${scope.trace.traceId}`
        : scope.trace.traceId;
      entry['logging.googleapis.com/spanId'] = scope.trace.spanId;
      entry['logging.googleapis.com/trace_sampled'] = scope.trace.sampled;
    }
    if (scope?.requestId) entry.requestId = scope.requestId;
    if (fields) for (const [key, value] of Object.entries(fields)) entry[key] = serialise(value);
    out(JSON.stringify(entry));
  };
  return {
    debug: (message, fields) => emit('DEBUG', message, fields),
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARNING', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
  };
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
