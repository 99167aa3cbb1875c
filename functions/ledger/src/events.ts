/**
 * @module The events the ledger consumes: every event on the broker (its Trigger has no filter),
 * recorded once per (source, id), and the PingSource tick that applies retention.
 */
import { ANY_TYPE, type EventHandlers, handleEachDelivery, PING_TYPE, toRecord } from '@stockflow/kit';
import * as z from 'zod/mini';
import type { LedgerConfig, LedgerServices } from './app.ts';

export const ledgerEvents: EventHandlers<LedgerServices, LedgerConfig> = {
  // Every type: the Trigger has no filter. Kept once per (source, id) by the record's own key, so
  // no separate dedupe record; a replay (same source and id) is not recorded twice.
  [ANY_TYPE]: handleEachDelivery(z.unknown(), ({ event, services }) =>
    services.store.recordEvent(toRecord(event)),
  ),
  // Pings are the kit's (outbox sweep) and are not recorded; on each the ledger applies retention.
  [PING_TYPE]: handleEachDelivery(z.unknown(), async ({ rt, services }) => {
    const deleted = await services.store.pruneExpired();
    if (deleted) rt.log.info('retention deleted expired ledger entries', { deleted });
    return true;
  }),
};
