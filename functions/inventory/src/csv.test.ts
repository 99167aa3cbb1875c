import { describe, expect, it } from 'vitest';
import { csvRows } from './csv.ts';

describe('csv', () => {
  it('quotes what needs it and defuses text a spreadsheet would run', async () => {
    expect(await csvRows([['a,b', '=HYPERLINK("x")', '-2 broken', -2, undefined, 'plain']])).toBe(
      `"a,b","'=HYPERLINK(""x"")",'-2 broken,-2,,plain\r\n`,
    );
    expect(await csvRows([['a'], ['b']])).toBe('a\r\nb\r\n');
  });
});
