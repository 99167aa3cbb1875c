/**
 * @module The docs lead somewhere: every relative link in README.md, CONTRIBUTING.md and docs/*.md
 * names a file or folder of the repository (files move: a rename must take its links along), and a
 * link to a heading of a Markdown page names a heading that page has. Links in code blocks and code
 * spans are text, not links, and are left alone; so are links to other sites.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The page without its fenced code blocks. */
const withoutFences = (markdown: string) => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');

/** The page's prose: code blocks and code spans blanked, so their brackets are not links. */
const prose = (markdown: string) => withoutFences(markdown).replace(/`[^`\n]*`/g, '``');

/** The targets of the page's inline links and images, `[text](target "title")`. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (match) => match[1]!,
  );
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * The anchors a page has: its headings' (repeated headings get `-1`, `-2`, ... as on GitHub) and
 * its HTML anchors (`<a id="...">`).
 */
function anchorsOf(markdown: string): Set<string> {
  const page = withoutFences(markdown);
  const anchors = new Set([...page.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)].map((match) => match[1]!));
  for (const [, heading] of page.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = headingAnchor(heading!);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** What is wrong with one link of `page`, or undefined when it leads where it says. */
function brokenLink(page: string, target: string): string | undefined {
  if (isExternal(target)) return undefined;
  const [pathPart = '', fragment] = target.split('#', 2);
  const path = decodeURIComponent(pathPart.split('?')[0]!);
  const file = path ? join(ROOT, dirname(page), path) : join(ROOT, page);
  if (!existsSync(file)) return `${target}: no file ${relative(ROOT, file)}`;
  if (fragment && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(fragment))
    return `${target}: ${relative(ROOT, file)} has no heading #${fragment}`;
  return undefined;
}

describe('links in the docs', () => {
  it.each(PAGES)('every relative link of %s leads to a file (and heading) that exists', (page) => {
    const targets = linkTargets(readFileSync(join(ROOT, page), 'utf8'));
    const broken = targets.flatMap((target) => brokenLink(page, target) ?? []);
    expect(broken).toEqual([]);
  });

  it('finds the links it checks: a moved file and a lost heading are reported, code is not a link', () => {
    const page = [
      '[here](../README.md) [gone](../functions/nowhere/src/app.ts) [site](https://example.com)',
      '`[span](missing.ts)` and [ok](#one-page)',
      '```ts',
      'const link = "[fenced](missing.ts)";',
      '```',
      '# One page',
    ].join('\n');
    expect(linkTargets(page)).toEqual([
      '../README.md',
      '../functions/nowhere/src/app.ts',
      'https://example.com',
      '#one-page',
    ]);
    expect(brokenLink('docs/x.md', '../functions/nowhere/src/app.ts')).toMatch(/no file functions\/nowhere/);
    expect(brokenLink('docs/x.md', '../README.md')).toBeUndefined();
    expect(brokenLink('docs/x.md', 'security.md#no-such-heading')).toMatch(/no heading/);
    expect(anchorsOf(page)).toEqual(new Set(['one-page']));
    expect(headingAnchor('Adding a function: `pricing`, step 1')).toBe('adding-a-function-pricing-step-1');
  });
});
