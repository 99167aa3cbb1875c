/**
 * @module axe-core in a playwright page: `expectAccessible()` injects axe's source, runs the
 * WCAG 2.2 A/AA rules and throws a readable list of every serious or critical violation.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The WCAG 2.0–2.2 level A and AA rule tags; axe's best-practice rules are left out on purpose. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

let axeSource: string | undefined;
/** Read once: the injected script is axe's published bundle, not a copy of it. */
function loadAxeSource(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/**
 * Runs axe on the page as it is now and returns the serious and critical violations of the WCAG
 * rules, or every violation of the named `rules` (best-practice rules Lighthouse also runs).
 */
export async function findViolations(page: Page, rules?: readonly string[]): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  // Evaluated through the DevTools protocol, not a <script> tag, so the page's CSP does not block it.
  if (!hasAxe) await page.evaluate(loadAxeSource());
  const runOnly = rules ? { type: 'rule', values: [...rules] } : { type: 'tag', values: [...WCAG_TAGS] };
  const violations = await page.evaluate(async (only) => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time, it has no types here
    const axe = (window as any).axe;
    const result = await axe.run(document, { runOnly: only, resultTypes: ['violations'] });
    return result.violations as AxeViolation[];
  }, runOnly);
  return rules ? violations : violations.filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''));
}

/** One line per violation, then each offending element's selector and axe's summary of why. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((violation) => {
      const targets = violation.nodes
        .map(
          (node) =>
            `    ${node.target.join(' ')}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ')}` : ''}`,
        )
        .join('\n');
      return `  [${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${targets}`;
    })
    .join('\n');
}

/** Throws, naming the screen, when axe finds a serious or critical WCAG 2.2 A/AA violation. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const violations = await findViolations(page);
  if (violations.length > 0) {
    throw new Error(
      `${label}: ${violations.length} accessibility violation(s)\n${describeViolations(violations)}`,
    );
  }
}
