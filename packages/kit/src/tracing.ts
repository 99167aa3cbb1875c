/**
 * @module Traces with OpenTelemetry, exported by OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the
 * traces-specific variable) is set. A span is opened per HTTP request, per event applied and per
 * event emitted; its context becomes the W3C `traceparent` of what it causes (the HTTP header and
 * the CloudEvents distributed-tracing extension), so one order is one trace across functions.
 * Without an endpoint the SDK is never loaded and spans are plain trace contexts for log correlation.
 */
import type { Span, Tracer } from '@opentelemetry/api';
import { childSpan, type TraceContext } from './trace.ts';

export type SpanKindName = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

export interface SpanHandle {
  readonly trace: TraceContext;
  setAttribute(key: string, value: string | number | boolean): void;
  updateName(name: string): void;
  end(error?: unknown): void;
}

export interface SpanOptions {
  parent?: TraceContext;
  kind?: SpanKindName;
  attributes?: Record<string, string | number | boolean>;
}

type Api = typeof import('@opentelemetry/api');

interface Sdk {
  api: Api;
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export class Tracing {
  readonly enabled: boolean;
  readonly #service: string;
  readonly #url: string | undefined;
  #sdk: Sdk | undefined;
  #loading: Promise<void> | undefined;

  constructor(service: string, env: Record<string, string | undefined> = process.env) {
    this.#service = service;
    // The OTLP/HTTP conventions: a signal-specific URL as is, or the base endpoint plus /v1/traces.
    const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, '');
    this.#url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base}/v1/traces` : undefined);
    this.enabled = Boolean(this.#url);
  }

  /** Loads the SDK and exporter when enabled (spans before that are not exported). */
  start(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.#loading ??= import('./tracing-sdk.ts').then(({ api, createTracerProvider }) => {
      this.#sdk = { api, ...createTracerProvider(this.#service, this.#url!) };
    });
    return this.#loading;
  }

  startSpan(name: string, options: SpanOptions = {}): SpanHandle {
    const sdk = this.#sdk;
    if (!sdk) {
      const trace = childSpan(options.parent);
      return { trace, setAttribute: () => undefined, updateName: () => undefined, end: () => undefined };
    }
    const { api, tracer } = sdk;
    const parent = options.parent
      ? api.trace.setSpanContext(api.ROOT_CONTEXT, {
          traceId: options.parent.traceId,
          spanId: options.parent.spanId,
          traceFlags: options.parent.sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
          isRemote: true,
        })
      : api.ROOT_CONTEXT;
    const kinds: Record<SpanKindName, number> = {
      server: api.SpanKind.SERVER,
      client: api.SpanKind.CLIENT,
      producer: api.SpanKind.PRODUCER,
      consumer: api.SpanKind.CONSUMER,
      internal: api.SpanKind.INTERNAL,
    };
    const span: Span = tracer.startSpan(
      name,
      { kind: kinds[options.kind ?? 'internal'], attributes: options.attributes },
      parent,
    );
    const context = span.spanContext();
    return {
      trace: {
        traceId: context.traceId,
        spanId: context.spanId,
        sampled: (context.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED,
      },
      setAttribute: (key, value) => span.setAttribute(key, value),
      updateName: (next) => span.updateName(next),
      end(error) {
        if (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  /** Flushes spans not yet exported. */
  async shutdown(): Promise<void> {
    await this.#sdk?.shutdown();
  }
}
