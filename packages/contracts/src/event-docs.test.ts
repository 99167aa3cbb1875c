import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ARCHITECTURE_DOC,
  EVENT_DOCS,
  renderArchitecture,
  renderEventDocs,
  renderTopology,
  TOPOLOGY_END,
  TOPOLOGY_START,
} from '../../../scripts/event-docs.ts';
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

describe("docs/architecture.md's event topology", () => {
  it('is what `npm run docs:events` renders from the contracts and the Triggers (run it when this fails)', () => {
    expect(readFileSync(ARCHITECTURE_DOC, 'utf8')).toBe(renderArchitecture());
  });

  it('replaces only the section between its markers', () => {
    const page = `# Page\n\nBefore.\n\n${TOPOLOGY_START}\nstale\n${TOPOLOGY_END}\n\nAfter.\n`;
    const rendered = renderArchitecture(page);
    expect(rendered).not.toContain('stale');
    expect(rendered.startsWith('# Page\n\nBefore.\n\n')).toBe(true);
    expect(rendered.endsWith('\n\nAfter.\n')).toBe(true);
    expect(() => renderArchitecture('# No markers\n')).toThrow(/markers/);
  });

  it('draws each route from its producer to the consumers its Triggers name, and lists every type', () => {
    const topology = renderTopology();
    // inventory's stock news reaches orders by orders' own Triggers (knative/base/orders.yaml).
    expect(topology).toContain('inventory -->|"stock.reserved<br/>stock.rejected"| orders');
    // The ledger takes every type: named once, not drawn from every producer.
    expect(topology).toContain('ledger receives every type (Trigger `ledger-everything`)');
    expect(topology).not.toMatch(/--> *\|[^|]*\| *ledger/);
    for (const [type, { producer }] of Object.entries(EVENTS)) {
      const short = type.replace('io.stockflow.', '');
      expect(topology, type).toMatch(
        new RegExp(`^\\| \\[\`${short}\`\\]\\(events\\.md#[a-z-]+\\) +\\| ${producer} +\\|`, 'm'),
      );
    }
  });
});
