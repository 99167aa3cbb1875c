import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_DOCS, renderEventDocs } from '../../../scripts/event-docs.ts';
import { EVENTS, isPartner } from './events.ts';

describe('docs/events.md', () => {
  it('is what `npm run docs:events` renders from the contracts and the Triggers (run it when this fails)', () => {
    expect(readFileSync(EVENT_DOCS, 'utf8')).toBe(renderEventDocs());
  });

  it('documents every event type with its producer, consumers and data schema', () => {
    const docs = renderEventDocs();
    for (const [type, { producer }] of Object.entries(EVENTS)) {
      const section = docs.slice(docs.indexOf(`## ${type}\n`));
      expect(section, type).toMatch(new RegExp(`^## ${type.replaceAll('.', '\\.')}\\n`));
      expect(section).toContain(
        isPartner(producer) ? `the partner \`${producer}\`` : `source \`/${producer}\``,
      );
      expect(section).toContain('"$schema": "https://json-schema.org/draft/2020-12/schema"');
    }
    // Consumers come from the Triggers: orders' own are in knative/base/orders.yaml.
    expect(docs).toContain('orders (Trigger `orders-stock-reserved`)');
  });
});
