/**
 * @module CPU time per process of a local stack, read from the OS (`/proc/<pid>/stat`: utime + stime,
 * plus cutime + cstime of children already reaped). Every process the bench started is grouped under
 * the child of the bench it descends from: a function's node process, web's, the Firestore emulator's
 * gcloud wrapper with its Java server. The bench's own process (the in-process mesh, the payment
 * sandbox, the shoppers) is `mesh`.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the project runs on (getconf CLK_TCK).

interface Stat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { pid, ppid: Number(fields[1]), ticks: utime! + stime! + cutime! + cstime! };
  } catch {
    return undefined; // gone meanwhile
  }
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

/** Which part of the stack a direct child of the bench is, from its command line. */
function partOf(command: string): string {
  if (/gcloud|cloud-firestore-emulator|java/.test(command)) return 'emulator';
  const fn = /functions\/([^/]+)\//.exec(command);
  if (fn) return fn[1]!;
  if (/web\/(dist|server)\//.test(command)) return 'web';
  return 'other';
}

/** CPU milliseconds so far per part of the stack: `mesh` (this process) and each child's tree. */
export function cpuByPart(root = process.pid): Record<string, number> {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is Stat => s !== undefined);
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const treeTicks = (pid: number): number =>
    (children.get(pid) ?? []).reduce((sum, child) => sum + child.ticks + treeTicks(child.pid), 0);
  const parts: Record<string, number> = { mesh: (readStat(root)?.ticks ?? 0) * (1000 / TICKS_PER_SECOND) };
  for (const child of children.get(root) ?? []) {
    const part = partOf(cmdline(child.pid));
    const ms = (child.ticks + treeTicks(child.pid)) * (1000 / TICKS_PER_SECOND);
    parts[part] = (parts[part] ?? 0) + ms;
  }
  return parts;
}

/** What each part spent between two readings. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>) {
  return Object.fromEntries(Object.entries(after).map(([part, ms]) => [part, ms - (before[part] ?? 0)]));
}
