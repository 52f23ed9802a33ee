import { describe, expect, it } from 'vitest';
import { LocalTokens, parseRate, quotaSignals, RateLimiter, type TokenStore } from '../../src/upstream/rate-limit.js';

describe('parseRate', () => {
  it.each<[string, { requests: number; perMs: number } | undefined]>([
    ['100/10s', { requests: 100, perMs: 10_000 }],
    ['5/s', { requests: 5, perMs: 1_000 }],
    [' 600 / 1m ', { requests: 600, perMs: 60_000 }],
    ['20/500ms', { requests: 20, perMs: 500 }],
    ['0/10s', undefined],
    ['10/0s', undefined],
    ['10', undefined],
    ['ten/s', undefined],
    ['10/10h', undefined],
  ])('%j', (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
  });
});

describe('LocalTokens', () => {
  const rate = { requests: 3, perMs: 3_000 };

  it('gives a full bucket, then a token per second, never more than the bucket holds', () => {
    const tokens = new LocalTokens();
    expect([1, 2, 3, 4].map(() => tokens.takeNow('k', rate, 0))).toEqual([
      { taken: true },
      { taken: true },
      { taken: true },
      { taken: false, waitMs: 1_000 },
    ]);
    expect(tokens.takeNow('k', rate, 500)).toEqual({ taken: false, waitMs: 500 });
    expect(tokens.takeNow('k', rate, 1_000)).toEqual({ taken: true });
    // A long pause refills to the bucket's size, not beyond.
    expect([1, 2, 3, 4].map(() => tokens.takeNow('k', rate, 1_000_000).taken)).toEqual([true, true, true, false]);
  });

  it('keeps a bucket per key (per credential)', () => {
    const tokens = new LocalTokens();
    for (let i = 0; i < 3; i += 1) tokens.takeNow('a', rate, 0);
    expect(tokens.takeNow('a', rate, 0).taken).toBe(false);
    expect(tokens.takeNow('b', rate, 0).taken).toBe(true);
  });
});

describe('quotaSignals', () => {
  const now = 1_000_000;
  it.each<[string, Record<string, string>, string[]]>([
    ['the account exhausted', { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': String(now + 5_000) }, ['global']],
    ['the route exhausted', { 'x-ratelimit-route-remaining': '0', 'x-ratelimit-reset': String(now + 5_000) }, ['route:getOAuthClients']],
    [
      'both',
      { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-route-remaining': '0', 'x-ratelimit-reset': String(now + 1) },
      ['global', 'route:getOAuthClients'],
    ],
    ['some left', { 'x-ratelimit-global-remaining': '7', 'x-ratelimit-reset': String(now + 5_000) }, []],
    ['a reset in the past', { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': String(now - 1) }, []],
    ['a reset in seconds, not milliseconds', { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': '1700' }, []],
    ['a reset hours away', { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': String(now + 2 * 3_600_000) }, []],
    ['no headers', {}, []],
  ])('%s', (_name, headers, scopes) => {
    expect(quotaSignals(headers, 'getOAuthClients', now).map((s) => s.scope)).toEqual(scopes);
  });
});

describe('RateLimiter', () => {
  /** A clock the limiter sleeps on: sleeping moves it forward. */
  const fakeTime = () => {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => (now += ms) };
  };
  const local = new LocalTokens();

  it('waits for a token within the deadline, and refuses to wait past it', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requests: 2, perMs: 2_000 }, local, local, () => {}, time.now, time.sleep);
    expect(await limiter.wait('w', 'op', 10_000)).toBe(true);
    expect(await limiter.wait('w', 'op', 10_000)).toBe(true);
    expect(await limiter.wait('w', 'op', 10_000)).toBe(true);
    expect(time.now()).toBe(1_000);
    // The next token is a second away; a deadline half a second away is not waited for.
    expect(await limiter.wait('w', 'op', time.now() + 500)).toBe(false);
  });

  it('holds a scope the vendor said is exhausted until its reset, and gives up when that is past the deadline', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(undefined, local, local, () => {}, time.now, time.sleep);
    limiter.observe({ 'x-ratelimit-route-remaining': '0', 'x-ratelimit-reset': '3000' }, 'patch');
    expect(await limiter.wait('k', 'list', 1_000)).toBe(true);
    expect(await limiter.wait('k', 'patch', 2_000)).toBe(false);
    expect(await limiter.wait('k', 'patch', 5_000)).toBe(true);
    expect(time.now()).toBe(3_000);
  });

  it('falls back to its own bucket while the shared store cannot be reached, and says so once', async () => {
    const time = fakeTime();
    const failures: unknown[] = [];
    const broken: TokenStore = { take: async () => Promise.reject(new Error('database is down')) };
    const limiter = new RateLimiter(
      { requests: 1, perMs: 1_000 },
      broken,
      new LocalTokens(),
      (e) => failures.push(e),
      time.now,
      time.sleep,
    );
    expect(await limiter.wait('k', 'op', 10_000)).toBe(true);
    expect(await limiter.wait('k', 'op', 10_000)).toBe(true);
    expect(time.now()).toBe(1_000);
    expect(failures).toHaveLength(1);
  });
});
