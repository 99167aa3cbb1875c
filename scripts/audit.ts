/**
 * @module `npm run audit [-- --required]`: `npm audit --omit=dev`, failing on any high or critical
 * advisory against a production dependency (what the images ship). npm's own exit code says only
 * "something": it fails alike for a low advisory and for a registry without the audit endpoint, so
 * the JSON is read here. A registry that refuses the endpoint (our development machines' mirror
 * answers 405) is reported in one line and passes, unless `--required` (Cloud Build, where the
 * public registry answers) makes an unaudited build fail.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const BLOCKING = new Set(['high', 'critical']);

interface Vulnerability {
  name: string;
  severity: string;
  range?: string;
  via?: Array<string | { title?: string; url?: string }>;
  fixAvailable?: unknown;
}

export interface AuditVerdict {
  /** `audited`: the advisories were read; `unavailable`: the registry gave none. */
  outcome: 'audited' | 'unavailable';
  ok: boolean;
  lines: string[];
}

/** Reads `npm audit --json`'s output (npm 7+ report, or the error npm prints when the call failed). */
export function judgeAudit(output: string, required: boolean): AuditVerdict {
  let report: {
    vulnerabilities?: Record<string, Vulnerability>;
    metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number } };
    message?: string;
    error?: { summary?: string };
  };
  try {
    report = JSON.parse(output);
  } catch {
    report = { message: `npm audit printed no JSON: ${output.trim().slice(0, 200) || '(nothing)'}` };
  }
  const counts = report.metadata?.vulnerabilities;
  if (!counts) {
    const why = report.message || report.error?.summary || 'no advisories in the answer';
    return {
      outcome: 'unavailable',
      ok: !required,
      lines: [
        `audit: NOT AUDITED: ${why}`,
        required
          ? 'audit: an audit is required here (--required): failing'
          : 'audit: the registry gives no advisories here; the production dependencies are audited in Cloud Build',
      ],
    };
  }
  const blocking = Object.values(report.vulnerabilities ?? {}).filter((v) => BLOCKING.has(v.severity));
  const lines = [
    `audit: ${report.metadata?.dependencies?.prod ?? '?'} production dependencies; ` +
      Object.entries(counts)
        .filter(([severity]) => severity !== 'total')
        .map(([severity, n]) => `${severity} ${n}`)
        .join(', '),
    ...blocking.map((v) => {
      const advisories = (v.via ?? [])
        .map((via) => (typeof via === 'string' ? `via ${via}` : `${via.title ?? ''} ${via.url ?? ''}`.trim()))
        .join('; ');
      return `audit: ${v.severity.toUpperCase()} ${v.name} ${v.range ?? ''}: ${advisories}${v.fixAvailable ? ' (fix available)' : ''}`;
    }),
  ];
  return { outcome: 'audited', ok: blocking.length === 0, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const verdict = judgeAudit(run.stdout ?? '', process.argv.includes('--required'));
  for (const line of verdict.lines) console.log(line);
  process.exit(verdict.ok ? 0 : 1);
}
