/**
 * @module Metrics off the cold-start path: prom-client (with the OpenTelemetry API it loads) costs
 * about 40 ms at start, so it is imported after the first requests or on the first scrape; what
 * happens before that is queued and replayed into it.
 */
import type { Metrics, MetricsSources, UnresolvedCount } from './metrics.ts';

const MAX_QUEUED = 10_000;

export class LazyMetrics {
  readonly #service: string;
  readonly #queue: Array<(metrics: Metrics) => void> = [];
  #metrics: Metrics | undefined;
  #loading: Promise<Metrics> | undefined;
  #sources: MetricsSources | undefined;
  readonly #unresolved = new Map<string, UnresolvedCount>();

  constructor(service: string) {
    this.#service = service;
  }

  /** Applies `update` now, or once the metrics are loaded. */
  record(update: (metrics: Metrics) => void): void {
    if (this.#metrics) update(this.#metrics);
    else if (this.#queue.length < MAX_QUEUED) this.#queue.push(update);
  }

  /** Where gauges read live state from. */
  observe(sources: MetricsSources): void {
    this.#sources = sources;
    this.#metrics?.observe(sources);
  }

  /**
   * Counts `item` (`stockflow_unresolved_items{item}`) at each scrape: something a person must act
   * on, read from durable state (dead letters not replayed, jobs given up).
   */
  countUnresolved(item: string, count: UnresolvedCount): void {
    this.#unresolved.set(item, count);
  }

  load(): Promise<Metrics> {
    this.#loading ??= import('./metrics.ts').then(({ createMetrics }) => {
      const metrics = createMetrics(this.#service);
      if (this.#sources) metrics.observe(this.#sources);
      metrics.observeUnresolved(this.#unresolved);
      for (const update of this.#queue.splice(0)) update(metrics);
      this.#metrics = metrics;
      return metrics;
    });
    return this.#loading;
  }
}
