import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { type AsyncAPIDocumentInterface, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as z from 'zod/mini';
import { ASYNCAPI_DOC, renderAsyncApi } from '../../../scripts/event-docs.ts';
import { EVENTS, type EventType, isPartner, isProducerSource, PARTNERS } from './events.ts';

const TYPES = Object.keys(EVENTS) as EventType[];

describe('docs/asyncapi.json', () => {
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    // Parsing must not reach the network: every $ref is local and the spec's schemas ship with it.
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const { document: parsed, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_DOC, 'utf8'));
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error);
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    document = parsed!;
  });

  it('is what `npm run docs:events` renders from the contracts and the Triggers (run it when this fails)', () => {
    expect(readFileSync(ASYNCAPI_DOC, 'utf8')).toBe(renderAsyncApi());
  });

  it('is a valid AsyncAPI 3.0 document with one channel, the broker', () => {
    expect(document.version()).toBe('3.0.0');
    expect(
      document
        .channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['/default/default']);
  });

  it("has every event type as a message with its data's schema and its CloudEvents headers", () => {
    const messages = document.channels().get('broker')!.messages();
    expect(
      messages
        .all()
        .map((message) => message.id())
        .sort(),
    ).toEqual([...TYPES].sort());
    for (const type of TYPES) {
      const message = messages.get(type)!;
      const shape = (EVENTS[type].data as z.ZodMiniObject).def.shape;
      expect(Object.keys(message.payload()!.properties() ?? {}), type).toEqual(Object.keys(shape));
      const own = message.headers()!.allOf()![1]!.properties()!;
      expect(own['ce-type']!.const()).toBe(type);
      // The documented source admits exactly what consumers accept from the type's producer.
      const { producer } = EVENTS[type];
      const source = own['ce-source']!;
      const admits = (value: string) =>
        source.const() !== undefined ? source.const() === value : new RegExp(source.pattern()!).test(value);
      const prefix = isPartner(producer) ? PARTNERS[producer].sourcePrefix : `/${producer}`;
      for (const candidate of [prefix, `${prefix}/dock-3`, `${prefix}2`, '/catalog', '/elsewhere'])
        expect(admits(candidate), `${type} from ${candidate}`).toBe(isProducerSource(type, candidate));
    }
  });

  it('has each type sent by its producer alone and received by the subscribers of its Triggers', () => {
    const operationsWith = (type: EventType, action: 'send' | 'receive') =>
      document
        .operations()
        .all()
        .filter((operation) => operation.action() === action && operation.id() !== 'ledger.replay')
        .filter((operation) => operation.messages().has(type))
        .map((operation) => operation.id());
    for (const type of TYPES)
      expect(operationsWith(type, 'send'), type).toEqual([`${EVENTS[type].producer}.send`]);
    // The ledger's Trigger takes everything; orders' own are in knative/base/orders.yaml.
    for (const type of TYPES) expect(operationsWith(type, 'receive'), type).toContain('ledger.receive');
    expect(operationsWith('io.stockflow.stock.reserved', 'receive')).toContain('orders.receive');
    expect(operationsWith('io.stockflow.stock.reserved', 'receive')).not.toContain('inventory.receive');
  });
});
