/**
 * @module Log lines of many processes in one terminal: each prefixed with its process's name, and the
 * structured JSON lines the kit writes (Cloud Logging's shape) rendered as `time LEVEL message k=v`.
 */

const HIDDEN = new Set([
  'severity',
  'message',
  'time',
  'service',
  'logging.googleapis.com/trace',
  'logging.googleapis.com/spanId',
  'logging.googleapis.com/trace_sampled',
]);

function field(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === 'object' && 'message' in value && 'name' in value) {
    return JSON.stringify(`${(value as { name: string }).name}: ${(value as { message: string }).message}`);
  }
  return JSON.stringify(value);
}

/** One line as a person reads it: JSON log entries rendered, anything else as it came. */
export function renderLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.message !== 'string') return line;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const severity = typeof entry.severity === 'string' ? entry.severity.padEnd(7) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${field(value)}`);
  return [time, severity, entry.message, ...fields].filter(Boolean).join(' ');
}

/** `readable` renders JSON log entries for a person; `json` keeps every line as it was written. */
export type LogFormat = 'readable' | 'json';

/** A writer that prefixes each complete line with `name │`, padded so the columns line up. */
export function prefixedWriter(
  name: string,
  width: number,
  write: (text: string) => void,
  format: LogFormat = 'readable',
) {
  const prefix = `${name.padEnd(width)} │ `;
  const render = format === 'json' ? (line: string) => line : renderLine;
  let pending = '';
  return {
    push(chunk: string) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        if (line.trim()) write(`${prefix}${render(line)}\n`);
        newline = pending.indexOf('\n');
      }
    },
    flush() {
      if (pending.trim()) write(`${prefix}${render(pending)}\n`);
      pending = '';
    },
  };
}
