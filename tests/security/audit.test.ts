/**
 * `npm run audit` reads `npm audit --omit=dev --json`: high and critical advisories fail it, lower
 * ones are reported, and a registry without the audit endpoint is "not audited" — a pass on a
 * development machine, a failure where an audit is required (Cloud Build).
 */
import { describe, expect, it } from 'vitest';
import { judgeAudit } from '../../scripts/audit.ts';

const report = (vulnerabilities: Record<string, unknown>, counts: Record<string, number>) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts },
      dependencies: { prod: 120, dev: 300, total: 420 },
    },
  });

describe('npm run audit', () => {
  it('passes a clean report and says how many production dependencies it covered', () => {
    const verdict = judgeAudit(report({}, {}), true);
    expect(verdict).toMatchObject({ outcome: 'audited', ok: true });
    expect(verdict.lines[0]).toBe(
      'audit: 120 production dependencies; info 0, low 0, moderate 0, high 0, critical 0',
    );
  });

  it('reports but passes low and moderate advisories', () => {
    const verdict = judgeAudit(
      report({ debug: { name: 'debug', severity: 'moderate', via: [{ title: 'ReDoS' }] } }, { moderate: 1 }),
      true,
    );
    expect(verdict.ok).toBe(true);
    expect(verdict.lines).toHaveLength(1);
  });

  it('fails on a high or critical advisory and names the package and the advisory', () => {
    const verdict = judgeAudit(
      report(
        {
          hono: {
            name: 'hono',
            severity: 'high',
            range: '<4.6.5',
            via: [{ title: 'CSRF middleware bypass', url: 'https://github.com/advisories/GHSA-x' }],
            fixAvailable: true,
          },
          '@hono/node-server': { name: '@hono/node-server', severity: 'critical', via: ['hono'] },
        },
        { high: 1, critical: 1 },
      ),
      false,
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.lines.slice(1)).toEqual([
      'audit: HIGH hono <4.6.5: CSRF middleware bypass https://github.com/advisories/GHSA-x (fix available)',
      'audit: CRITICAL @hono/node-server : via hono',
    ]);
  });

  it('says "not audited" when the registry refuses the endpoint, failing only where required', () => {
    const refused = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      error: { summary: '', detail: '' },
    });
    const here = judgeAudit(refused, false);
    expect(here).toMatchObject({ outcome: 'unavailable', ok: true });
    expect(here.lines[0]).toBe(
      'audit: NOT AUDITED: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    );
    expect(judgeAudit(refused, true).ok).toBe(false);
    expect(judgeAudit('npm ERR! network', true)).toMatchObject({ outcome: 'unavailable', ok: false });
  });
});
