/**
 * @module The OpenTelemetry SDK and OTLP exporter, imported statically here so that this whole
 * module is the one lazy chunk `tracing.ts` loads (a bundler's dynamic import of a CommonJS
 * package yields only its `default`).
 */
import * as api from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
} from '@opentelemetry/sdk-trace-base';

export { api };

export function createTracerProvider(service: string, url: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 500 })],
  });
  return { tracer: provider.getTracer('@stockflow/kit'), shutdown: () => provider.shutdown() };
}
