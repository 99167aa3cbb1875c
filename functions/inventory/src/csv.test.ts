import { describe, expect, it } from 'vitest';
import { csvField, MAX_LINE_CHARS, parseCsvLine, readCsv } from './csv.ts';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

async function records(stream: ReadableStream<Uint8Array>) {
  const out = [];
  for await (const record of readCsv(stream)) out.push(record);
  return out;
}

describe('csv', () => {
  it('parses quoted fields, doubled quotes and empty fields; an unclosed quote is undefined', () => {
    expect(parseCsvLine('a,"b,c","say ""hi""",')).toEqual(['a', 'b,c', 'say "hi"', '']);
    expect(parseCsvLine('"open,x')).toBeUndefined();
    expect(parseCsvLine('"a"b')).toBeUndefined();
  });

  it('reads records across chunk boundaries (also inside a UTF-8 character), with line numbers', async () => {
    const bytes = 'h1,h2\r\nä,1\n\nb,2';
    expect(await records(streamOf(bytes.slice(0, 9), bytes.slice(9)))).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['ä', '1'] },
      { line: 4, fields: ['b', '2'] },
    ]);
  });

  it('stops at a line longer than the limit', async () => {
    const out = await records(streamOf('a,b\n', 'x'.repeat(MAX_LINE_CHARS + 1)));
    expect(out.at(-1)).toEqual({ line: 2, error: expect.stringMatching(/longer than/) });
  });

  it('quotes what needs it and defuses text a spreadsheet would run', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-2 broken')).toBe("'-2 broken");
    expect(csvField(-2)).toBe('-2');
    expect(csvField(undefined)).toBe('');
  });
});
