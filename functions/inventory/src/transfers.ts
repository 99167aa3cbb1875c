/**
 * @module Transfers between locations, a saga of their own: requested → dispatched (the goods leave
 * the source's onHand and are in transit towards the destination) → received (they arrive; a
 * quantity other than the dispatched one is recorded with its reason), or requested → cancelled.
 * Pure, like stock.ts: each transition returns the transfer, the items and the movements it writes.
 */
import type {
  ReceiveTransfer,
  Transfer,
  TransferDiscrepancy,
  TransferLine,
  TransferState,
} from '@stockflow/contracts';
import type * as z from 'zod/mini';
import {
  type Change,
  knownLocation,
  levelsAt,
  type MovementDraft,
  moveOnHand,
  newStockItem,
  type StockItem,
  type StockLookup,
  type TransitionContext,
  withLevels,
} from './stock.ts';

/** A transition the transfer's state does not allow (e.g. dispatching a received transfer). */
export class TransferStateError extends Error {
  constructor(
    readonly transfer: Transfer,
    readonly to: TransferState,
  ) {
    super(`Transfer ${transfer.id} is ${transfer.state}; it cannot become ${to}.`);
    this.name = 'TransferStateError';
  }
}

/** A transfer's request does not make sense (same location, unknown location, missing reason). */
export class TransferRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferRefusedError';
  }
}

/** The source has less available than a dispatch takes. */
export class TransferShortError extends Error {
  constructor(readonly shortages: Array<{ productId: string; requested: number; available: number }>) {
    super(
      `The source has too little available: ${shortages
        .map((s) => `${s.productId} (${s.available} of ${s.requested})`)
        .join(', ')}.`,
    );
    this.name = 'TransferShortError';
  }
}

const actorOf = (ctx: TransitionContext) => ctx.actor ?? { system: 'inventory' };

function advance(
  transfer: Transfer,
  state: TransferState,
  ctx: TransitionContext,
  extra: Partial<Transfer> = {},
) {
  return {
    ...transfer,
    ...extra,
    state,
    history: [...transfer.history, { state, at: ctx.now, actor: actorOf(ctx) }],
    updatedAt: ctx.now,
  };
}

/** A new transfer between two configured, different locations; nothing moves until it is dispatched. */
export function requestTransfer(
  id: string,
  request: { from: string; to: string; lines: TransferLine[]; note?: string },
  ctx: TransitionContext,
): Change {
  if (request.from === request.to)
    throw new TransferRefusedError('A transfer needs two different locations.');
  knownLocation(ctx, request.from);
  knownLocation(ctx, request.to);
  const transfer: Transfer = {
    id,
    from: request.from,
    to: request.to,
    lines: request.lines,
    state: 'requested',
    discrepancies: [],
    ...(request.note ? { note: request.note } : {}),
    history: [{ state: 'requested', at: ctx.now, actor: actorOf(ctx) }],
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  return { items: [], transfer, events: [] };
}

/** The goods leave the source (a `transfer` movement each) and are in transit to the destination. */
export function dispatchTransfer(transfer: Transfer, stockOf: StockLookup, ctx: TransitionContext): Change {
  if (transfer.state !== 'requested') throw new TransferStateError(transfer, 'dispatched');
  const shortages = transfer.lines.flatMap((line) => {
    const at = levelsAt(stockOf(line.productId), transfer.from);
    const free = at.onHand - at.reserved;
    return free >= line.quantity
      ? []
      : [{ productId: line.productId, requested: line.quantity, available: free }];
  });
  if (shortages.length) throw new TransferShortError(shortages);
  const items: StockItem[] = [];
  const movements: MovementDraft[] = [];
  for (const line of transfer.lines) {
    const { item, movement } = moveOnHand(
      stockOf(line.productId)!,
      transfer.from,
      -line.quantity,
      { reason: 'transfer', reference: transfer.id, note: `to ${transfer.to}` },
      ctx,
    );
    const incoming = levelsAt(item, transfer.to);
    items.push(
      withLevels(item, transfer.to, { ...incoming, inTransit: incoming.inTransit + line.quantity }, ctx.now),
    );
    movements.push(movement);
  }
  return { items, movements, transfer: advance(transfer, 'dispatched', ctx), events: [] };
}

/**
 * The goods arrive at the destination: in transit drops by what was dispatched, onHand grows by what
 * arrived (a `transfer` movement each). A quantity other than the dispatched one needs a reason and
 * is recorded as a discrepancy.
 */
export function receiveTransfer(
  transfer: Transfer,
  receipt: ReceiveTransfer,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  if (transfer.state !== 'dispatched') throw new TransferStateError(transfer, 'received');
  const stated = new Map((receipt.lines ?? []).map((line) => [line.productId, line.quantity]));
  const strangers = [...stated.keys()].filter((id) => !transfer.lines.some((line) => line.productId === id));
  if (strangers.length)
    throw new TransferRefusedError(`Transfer ${transfer.id} carries no ${strangers.join(', ')}.`);
  const received = transfer.lines.map((line) => ({
    productId: line.productId,
    quantity: stated.get(line.productId) ?? line.quantity,
  }));
  const discrepancies: z.infer<typeof TransferDiscrepancy>[] = transfer.lines.flatMap((line, i) =>
    received[i]!.quantity === line.quantity
      ? []
      : [
          {
            productId: line.productId,
            dispatched: line.quantity,
            received: received[i]!.quantity,
            reason: receipt.reason ?? '',
          },
        ],
  );
  if (discrepancies.length && !receipt.reason) {
    throw new TransferRefusedError('Receiving other quantities than were dispatched needs a reason.');
  }
  const items: StockItem[] = [];
  const movements: MovementDraft[] = [];
  transfer.lines.forEach((line, i) => {
    const before = stockOf(line.productId) ?? newStockItem(line.productId, ctx);
    const incoming = levelsAt(before, transfer.to);
    let item = withLevels(
      before,
      transfer.to,
      { ...incoming, inTransit: incoming.inTransit - line.quantity },
      ctx.now,
    );
    const arrived = received[i]!.quantity;
    if (arrived > 0) {
      const moved = moveOnHand(
        item,
        transfer.to,
        arrived,
        {
          reason: 'transfer',
          reference: transfer.id,
          note:
            arrived === line.quantity ? `from ${transfer.from}` : `from ${transfer.from}: ${receipt.reason}`,
        },
        ctx,
      );
      item = moved.item;
      movements.push(moved.movement);
    }
    items.push(item);
  });
  return {
    items,
    movements,
    transfer: advance(transfer, 'received', ctx, { received, discrepancies }),
    events: [],
  };
}

/** A requested transfer is called off; nothing had moved. Dispatched goods are received (perhaps as 0). */
export function cancelTransfer(transfer: Transfer, ctx: TransitionContext): Change {
  if (transfer.state !== 'requested') throw new TransferStateError(transfer, 'cancelled');
  return { items: [], transfer: advance(transfer, 'cancelled', ctx), events: [] };
}
