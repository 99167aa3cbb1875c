/**
 * @module The events catalog consumes: none of another function's. Its `/events` still answers
 * the PingSource tick, on which the kit sweeps the outbox (product events not sent yet).
 */
import type { EventHandlers } from '@stockflow/kit';
import type { CatalogConfig, CatalogServices } from './app.ts';

export const catalogEvents: EventHandlers<CatalogServices, CatalogConfig> = {};
