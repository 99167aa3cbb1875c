/**
 * The emulator starts with the JVM settings that halve its CPU on small machines (the JVM names what
 * it picked up on stderr), and a developer's own JAVA_TOOL_OPTIONS still come after them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FirestoreEmulator, startFirestoreEmulator } from './emulator.ts';

const saved = { host: process.env.FIRESTORE_EMULATOR_HOST, java: process.env.JAVA_TOOL_OPTIONS };
let started: FirestoreEmulator | undefined;

afterEach(async () => {
  await started?.stop();
  started = undefined;
  restore('FIRESTORE_EMULATOR_HOST', saved.host);
  restore('JAVA_TOOL_OPTIONS', saved.java);
});

/** Puts a variable back as it was (assigning undefined to process.env would set "undefined"). */
function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe('the Firestore emulator', () => {
  it('runs its JVM with the serial collector and the client compiler, then the developer’s options', async () => {
    // A fresh emulator of its own, not the run's shared one.
    delete process.env.FIRESTORE_EMULATOR_HOST;
    process.env.JAVA_TOOL_OPTIONS = '-Dstockflow.test=1';
    const lines: string[] = [];
    started = await startFirestoreEmulator({ onLog: (line) => lines.push(line) });
    expect(started.owned).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /Picked up JAVA_TOOL_OPTIONS: -XX:\+UseSerialGC -XX:TieredStopAtLevel=1 -Dstockflow\.test=1$/,
      ),
    );
    // And it serves: a document written is read back.
    const doc = `http://${started.host}/v1/projects/jvm/databases/(default)/documents/probe/one`;
    const written = await fetch(doc, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { n: { integerValue: '1' } } }),
    });
    expect(written.status).toBe(200);
    expect((await (await fetch(doc)).json()) as object).toMatchObject({
      fields: { n: { integerValue: '1' } },
    });
  }, 120_000);
});
