import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, readCsv } from './csv.ts';

const streamOf = (...chunks: Array<string | Uint8Array>) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
      controller.close();
    },
  });

async function records(stream: ReadableStream<Uint8Array>) {
  const out = [];
  for await (const record of readCsv(stream)) out.push(record);
  return out;
}

describe('csv', () => {
  it('reads quoted fields, doubled quotes and empty fields', async () => {
    expect(await records(streamOf('a,"b,c","say ""hi""",\n'))).toEqual([
      { line: 1, fields: ['a', 'b,c', 'say "hi"', ''] },
    ]);
  });

  it('keeps a stray quote in its field and reads on; a quote that never closes is a problem', async () => {
    expect(await records(streamOf('h,x\n"a"b,1\nc,2\n'))).toEqual([
      { line: 1, fields: ['h', 'x'] },
      { line: 2, fields: ['"a"b', '1'] },
      { line: 3, fields: ['c', '2'] },
    ]);
    // A quoted field may span lines (RFC 4180): an unclosed one runs to the end of the file.
    expect(await records(streamOf('h,x\nc,"open\nd,1\n'))).toEqual([
      { line: 1, fields: ['h', 'x'] },
      { line: 3, error: 'a quoted field does not close' },
    ]);
  });

  it('reads records across chunk boundaries (also inside a UTF-8 character), with line numbers', async () => {
    const bytes = '\uFEFFh1,h2\r\nä,1\n\n  \nb,2';
    expect(await records(streamOf(bytes.slice(0, 10), bytes.slice(10)))).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['ä', '1'] },
      { line: 5, fields: ['b', '2'] },
    ]);
  });

  it('hashes every byte on the way and refuses text that is not UTF-8 (a TypeError)', async () => {
    let seen = 0;
    const read = readCsv(streamOf('a,b\n', new Uint8Array([0x63, 0xff, 0x0a])), (bytes) => {
      seen += bytes.length;
    });
    await expect(
      (async () => {
        for await (const _ of read);
      })(),
    ).rejects.toBeInstanceOf(TypeError);
    expect(seen).toBe(7);
  });

  it('stops at a line longer than the limit', async () => {
    const out = await records(streamOf('a,b\n', 'x'.repeat(MAX_LINE_CHARS * 2)));
    expect(out).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: expect.stringMatching(/longer than/) },
    ]);
  });
});
