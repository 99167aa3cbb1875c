/**
 * @module Prometheus metrics of a function (prom-client), served at `/metrics`: HTTP requests and
 * their latency by route, events handled by type and outcome (duplicates included), handler
 * latency, the outbox's publishes, failures and backlog, and how the attempts of a function's work
 * queues (payments' jobs, notifications' messages) end.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a delivery to `/events` ended (the `outcome` label of stockflow_events_handled_total). */
export const EVENT_OUTCOMES = [
  'applied',
  'duplicate',
  'swept',
  'rejected',
  'rejected_source',
  'unauthorized',
  'forbidden',
  'failed',
] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/** How an attempt at a queued item ended: done, due again after a backoff, or given up for good. */
export const QUEUE_OUTCOMES = ['done', 'retry', 'failed'] as const;
export type QueueOutcome = (typeof QUEUE_OUTCOMES)[number];

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsSources {
  /** Events the relay holds in memory (sending or waiting to retry). */
  outboxWaiting(): number;
  /** Pending outbox documents in Firestore, or undefined when the client is not loaded yet. */
  outboxPending(): Promise<number | undefined>;
}

/**
 * What waits for a person, by item (`dead-letters`, `payment-jobs-failed`, `messages-failed`): a
 * count of durable state read at each scrape, so an alert on it holds until someone acts (a counter's
 * increase would miss a first failure and forget it after its window).
 */
export type UnresolvedCounts = ReadonlyMap<string, UnresolvedCount>;

/** One such count: undefined when it cannot be read now (the database not opened yet). */
export type UnresolvedCount = () => Promise<number | undefined>;

export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let sources: MetricsSources | undefined;
  let unresolved: UnresolvedCounts = new Map();

  const metrics = {
    registry,
    httpRequests: new Counter({
      name: 'stockflow_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'stockflow_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route pattern.',
      labelNames: ['method', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    eventsHandled: new Counter({
      name: 'stockflow_events_handled_total',
      help:
        'CloudEvents received, by type (known types; the rest as "other") and outcome (applied, ' +
        'duplicate, swept, rejected, rejected_source, unauthorized, forbidden, failed).',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    eventDuration: new Histogram({
      name: 'stockflow_event_handler_duration_seconds',
      help: 'Time to apply a received CloudEvent durably, by type.',
      labelNames: ['type'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    outboxPublished: new Counter({
      name: 'stockflow_outbox_published_total',
      help: 'Events the outbox relay delivered to the sink, by type.',
      labelNames: ['type'] as const,
      registers,
    }),
    outboxFailures: new Counter({
      name: 'stockflow_outbox_publish_failures_total',
      help: 'Failed attempts to deliver an outbox event to the sink (each is retried), by type.',
      labelNames: ['type'] as const,
      registers,
    }),
    senderRefusals: new Counter({
      name: 'stockflow_sender_refusals_total',
      help:
        'Deliveries refused for their sender, by route and reason (missing, invalid, expired, claims, ' +
        'subject, issuer_unreachable).',
      labelNames: ['route', 'reason'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'stockflow_dead_letters_total',
      help: 'Dead letters received (events a Trigger gave up delivering), by type and destination.',
      labelNames: ['type', 'destination'] as const,
      registers,
    }),
    queueAttempts: new Counter({
      name: 'stockflow_queue_attempts_total',
      help:
        "Attempts at a work queue's items (payments' jobs by kind, notifications' messages), by queue, " +
        'kind and outcome (done, retry, failed: given up for good).',
      labelNames: ['queue', 'kind', 'outcome'] as const,
      registers,
    }),
    /** Wires the gauges that read live state; called once the runtime exists. */
    observe(next: MetricsSources) {
      sources = next;
    },
    /** Wires the counts of what waits for a person. */
    observeUnresolved(next: UnresolvedCounts) {
      unresolved = next;
    },
  };

  new Gauge({
    name: 'stockflow_outbox_waiting',
    help: 'Events this process holds for sending or retrying.',
    registers,
    collect() {
      this.set(sources?.outboxWaiting() ?? 0);
    },
  });
  new Gauge({
    name: 'stockflow_outbox_pending',
    help: 'Outbox documents not yet delivered (all instances), counted in Firestore.',
    registers,
    async collect() {
      const pending = await sources?.outboxPending().catch(() => undefined);
      if (pending !== undefined) this.set(pending);
    },
  });
  new Gauge({
    name: 'stockflow_unresolved_items',
    help:
      'Items that wait for a person, counted in Firestore at each scrape, by item (dead-letters: not ' +
      'replayed; payment-jobs-failed, messages-failed: given up).',
    labelNames: ['item'] as const,
    registers,
    async collect() {
      await Promise.all(
        [...unresolved].map(async ([item, count]) => {
          const value = await count().catch(() => undefined);
          if (value !== undefined) this.set({ item }, value);
        }),
      );
    },
  });
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
