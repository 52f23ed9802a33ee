import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/audit/group-commit.js';

/** A store whose statements end when the test says, recording what each one held. */
function store(options: { inFlight?: number; maxBatch?: number; failing?: (items: readonly string[]) => Error | undefined } = {}) {
  const statements: string[][] = [];
  const open: (() => void)[] = [];
  const commit = new GroupCommit<string>({
    flush: (items) =>
      new Promise<void>((resolve, reject) => {
        statements.push([...items]);
        const error = options.failing?.(items);
        open.push(() => (error ? reject(error) : resolve()));
      }),
    isolate: (error) => (error as { code?: string }).code === '22P05',
    inFlight: options.inFlight ?? 1,
    maxBatch: options.maxBatch ?? 100,
  });
  const settled = (promise: Promise<void>) =>
    promise.then(
      () => 'written',
      (error: Error) => `failed: ${error.message}`,
    );
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const endAll = async () => {
    await tick();
    while (open.length > 0) {
      open.shift()!();
      await tick();
    }
  };
  return { commit, statements, settled, endAll, tick };
}

const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('group commit of audit events', () => {
  it('an item written alone leaves at once, in a statement of its own', async () => {
    const s = store();
    const a = s.settled(s.commit.write('a'));
    await s.tick();
    expect(s.statements).toEqual([['a']]);
    await s.endAll();
    expect(await a).toBe('written');
  });

  it('items written in one turn, or while a batch is in flight, leave together in the next statement', async () => {
    const s = store();
    const first = ['a', 'b'].map((item) => s.settled(s.commit.write(item)));
    await s.tick();
    const later = ['c', 'd', 'e'].map((item) => s.settled(s.commit.write(item)));
    await s.tick();
    // c, d and e wait for the batch in flight, and none of them resolves before its own statement ends.
    expect(s.statements).toEqual([['a', 'b']]);
    await s.endAll();
    expect(s.statements).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    expect(await Promise.all([...first, ...later])).toEqual(Array(5).fill('written'));
  });

  it('a batch holds at most maxBatch items, and at most inFlight batches run at once', async () => {
    const s = store({ inFlight: 2, maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((item) => s.settled(s.commit.write(item)));
    await s.tick();
    expect(s.statements).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    await s.endAll();
    expect(s.statements.at(-1)).toEqual(['e']);
    expect(await Promise.all(all)).toEqual(Array(5).fill('written'));
  });

  it("the store failing fails every item of the batch, once, with the store's error", async () => {
    const s = store({ failing: () => sqlError('57P01', 'terminating connection') });
    const all = ['a', 'b'].map((item) => s.settled(s.commit.write(item)));
    await s.endAll();
    expect(s.statements).toEqual([['a', 'b']]);
    expect(await Promise.all(all)).toEqual(['failed: terminating connection', 'failed: terminating connection']);
  });

  it("one item's bad data fails that item alone: the batch is written again item by item", async () => {
    const s = store({ failing: (items) => (items.includes('bad') ? sqlError('22P05', 'unsupported Unicode escape sequence') : undefined) });
    const all = ['a', 'bad', 'c'].map((item) => s.settled(s.commit.write(item)));
    await s.endAll();
    expect(s.statements).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    expect(await Promise.all(all)).toEqual(['written', 'failed: unsupported Unicode escape sequence', 'written']);
  });
});
