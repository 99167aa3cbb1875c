/**
 * @module `npm test`: typecheck, lint, build (the system tests run the built functions and SPA),
 * then every vitest project but `chaos` (`npm run test:chaos`, run by CI after this); closes with one
 * `tests: N passed, N failed` line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const steps: Array<[string, string[]]> = [
  ['typecheck', ['npx', 'tsc', '-p', 'tsconfig.json']],
  ['lint', ['npx', 'biome', 'ci', '.', '--colors=off']],
  ['build', ['npm', 'run', '--silent', 'build']],
];
for (const [name, [cmd, ...args]] of steps) {
  console.log(`\n== ${name}`);
  const result = spawnSync(cmd!, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.log(`\n${name} failed`);
    process.exit(result.status ?? 1);
  }
}

console.log('\n== vitest');
mkdirSync('.artifacts', { recursive: true });
const report = '.artifacts/vitest-report.json';
const vitest = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...(process.argv.some((arg) => arg.startsWith('--project'))
      ? []
      : ['--project', 'node', '--project', 'web', '--project', 'system']),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
try {
  const r = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
  };
  console.log(
    `\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`,
  );
} catch {
  console.log('\ntests: no report written');
}
process.exit(vitest.status ?? 1);
