import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

/** An error as Firestore's client gives it: a gRPC code. */
const grpcError = (message: string, code: number) => Object.assign(new Error(message), { code });

/**
 * A commit that records its batches, fails any batch holding a `bad` item as a create of an existing
 * document would (ALREADY_EXISTS), and any holding `down` as an unavailable store would.
 */
function recorder(delayMs = 5) {
  const batches: string[][] = [];
  const commit = async (items: readonly string[]) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    batches.push([...items]);
    if (items.includes('bad')) throw grpcError('bad write', 6);
    if (items.includes('down')) throw grpcError('unavailable', 14);
    return items.map((item) => item.toUpperCase());
  };
  return { batches, commit };
}

describe('GroupCommit', () => {
  it('commits items that arrive while a batch commits together in the next', async () => {
    const { batches, commit } = recorder();
    const group = new GroupCommit({ commit });
    const first = group.add('a');
    await new Promise((resolve) => setTimeout(resolve, 1));
    const rest = ['b', 'c', 'd'].map((item) => group.add(item));
    expect(await Promise.all([first, ...rest])).toEqual(['A', 'B', 'C', 'D']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('splits a failed batch in halves: only the bad item fails, in a few commits more', async () => {
    const { batches, commit } = recorder();
    const group = new GroupCommit({ commit });
    const items = ['a', 'b', 'c', 'bad', 'e', 'f', 'g', 'h'];
    const results = await Promise.allSettled(items.map((item) => group.add(item)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'A',
      'B',
      'C',
      'bad write',
      'E',
      'F',
      'G',
      'H',
    ]);
    // 8 → 4 + 4 → 2 + 2 → 1 + 1: the bad one alone, the rest in the largest batches that hold no bad.
    expect(batches.map((b) => b.join('')).sort()).toEqual(
      ['abcbadefgh', 'abcbad', 'efgh', 'ab', 'cbad', 'c', 'bad'].sort(),
    );
  });

  it('fails a batch the store refused as a whole at once, without splitting it', async () => {
    const { batches, commit } = recorder();
    const group = new GroupCommit({ commit });
    const results = await Promise.allSettled(['a', 'down', 'c', 'd'].map((item) => group.add(item)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(batches).toEqual([['a', 'down', 'c', 'd']]);
  });

  it('keeps batches within maxItems', async () => {
    const { batches, commit } = recorder(0);
    const group = new GroupCommit({ commit, maxItems: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => group.add(item)));
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('gathers for gatherMs, and flush commits at once', async () => {
    const { batches, commit } = recorder(0);
    const group = new GroupCommit({ commit, gatherMs: 60_000 });
    const added = [group.add('a'), group.add('b')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([]);
    await group.flush();
    expect(batches).toEqual([['a', 'b']]);
    expect(await Promise.all(added)).toEqual(['A', 'B']);
  });
});
