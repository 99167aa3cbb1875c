/**
 * @module CSV in and out (RFC 4180: comma-separated, `"` quotes, `""` inside quotes), streamed both
 * ways. Hand-written rather than a dependency: no CSV package is installed (a new one needs the
 * shared lockfile), and the import's three-column files and the exports need only this much.
 */

/** A line longer than this is an error (a file without line breaks would otherwise pile up in memory). */
export const MAX_LINE_CHARS = 4096;

/** One CSV record per physical line (a quoted field may not span lines: counts and ids never do). */
export interface CsvRecord {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  fields: string[];
}

/** The fields of one line; undefined when its quotes do not close. */
export function parseCsvLine(text: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) return undefined;
        value += text.slice(i, close);
        i = close + 1;
        if (text[i] === '"') {
          value += '"';
          i++;
        } else break;
      }
      fields.push(value);
      if (i < text.length && text[i] !== ',') return undefined;
    } else {
      const comma = text.indexOf(',', i);
      fields.push(text.slice(i, comma < 0 ? text.length : comma));
      i = comma < 0 ? text.length : comma;
    }
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/**
 * The records of a CSV byte stream as they arrive (blank lines skipped), and each chunk of bytes to
 * `onBytes` (to hash the file on the way).
 */
export async function* readCsv(
  body: ReadableStream<Uint8Array>,
  onBytes: (bytes: Uint8Array) => void = () => {},
): AsyncGenerator<CsvRecord | { line: number; error: string }> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let line = 0;
  const emit = function* (text: string) {
    line++;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (!trimmed.trim()) return;
    const fields = parseCsvLine(trimmed);
    yield fields ? { line, fields } : { line, error: 'a quoted field does not close' };
  };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onBytes(value);
    pending += decoder.decode(value, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield* emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE_CHARS) {
      yield { line: line + 1, error: `a line is longer than ${MAX_LINE_CHARS} characters` };
      await reader.cancel();
      return;
    }
  }
  pending += decoder.decode();
  if (pending) yield* emit(pending);
}

/**
 * A field as CSV writes it: quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first: notes and references come
 * from people) gets a leading `'`, as OWASP advises; numbers are written as they are.
 */
export function csvField(value: string | number | undefined): string {
  const raw = value === undefined ? '' : String(value);
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (values: ReadonlyArray<string | number | undefined>): string =>
  `${values.map(csvField).join(',')}\r\n`;

/** A `text/csv` response streamed from pages of rows (pulled one page at a time). */
export function csvResponse(
  filename: string,
  header: readonly string[],
  pages: AsyncIterable<ReadonlyArray<ReadonlyArray<string | number | undefined>>>,
): Response {
  const encoder = new TextEncoder();
  const iterator = pages[Symbol.asyncIterator]();
  let started = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvRow(header)));
        return;
      }
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value.map(csvRow).join('')));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
  });
}
