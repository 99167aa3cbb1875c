import { describe, expect, it } from 'vitest';
import { issueToken, tokenMatches } from './access.ts';

describe('order tokens', () => {
  it('issues 256-bit tokens stored only as digests', () => {
    const { token, tokenHash } = issueToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(tokenHash).not.toContain(token);
    expect(tokenMatches(token, tokenHash)).toBe(true);
    expect(tokenMatches(issueToken().token, tokenHash)).toBe(false);
    expect(issueToken().token).not.toBe(token);
  });
});
