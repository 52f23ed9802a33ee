import { describe, expect, it } from 'vitest';
import { launchDarklyQuota } from '../../src/services/launchdarkly/quota.js';
import { LocalTokens, parseRate, RateLimiter, type TokenStore } from '../../src/upstream/rate-limit.js';

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

describe("LaunchDarkly's X-Ratelimit-* headers", () => {
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
    expect(launchDarklyQuota(headers, 'getOAuthClients', now).map((s) => s.scope)).toEqual(scopes);
  });
});

describe('RateLimiter', () => {
  /** A clock the limiter sleeps on: sleeping moves it forward. */
  const fakeTime = () => {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => (now += ms) };
  };

  it('waits for a token within the deadline, and refuses to wait past it, saying how long it would take', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ rate: { requests: 2, perMs: 2_000 }, now: time.now, sleep: time.sleep });
    for (let i = 0; i < 3; i += 1) expect(await limiter.wait('w', 'op', 10_000)).toEqual({ go: true });
    expect(time.now()).toBe(1_000);
    // The next token is a second away; a deadline half a second away is not waited for.
    expect(await limiter.wait('w', 'op', time.now() + 500)).toEqual({ go: false, retryAfterMs: 1_000 });
    expect(time.now()).toBe(1_000);
  });

  it('holds a scope the vendor said is exhausted until its reset, and gives up when that is past the deadline', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ rate: undefined, signals: launchDarklyQuota, now: time.now, sleep: time.sleep });
    expect(limiter.active).toBe(true);
    limiter.observe('k', { 'x-ratelimit-route-remaining': '0', 'x-ratelimit-reset': '3000' }, 'patch');
    expect(await limiter.wait('k', 'list', 1_000)).toEqual({ go: true });
    expect(await limiter.wait('other credential', 'patch', 1_000)).toEqual({ go: true });
    expect(await limiter.wait('k', 'patch', 2_000)).toEqual({ go: false, retryAfterMs: 3_000 });
    expect(await limiter.wait('k', 'patch', 5_000)).toEqual({ go: true });
    expect(time.now()).toBe(3_000);
  });

  it('holds nothing without a rate or a vendor that reports its quota', async () => {
    const limiter = new RateLimiter({ rate: undefined });
    expect(limiter.active).toBe(false);
    limiter.observe('k', { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': String(Date.now() + 60_000) }, 'op');
    expect(await limiter.wait('k', 'op', Date.now() + 10)).toEqual({ go: true });
  });

  it.each<[string, TokenStore]>([
    ['refuses', { take: async () => Promise.reject(new Error('database is down')) }],
    ['never answers', { take: () => new Promise(() => {}) }],
  ])('falls back to its own bucket while the shared store %s, and says so once', async (_name, broken) => {
    const time = fakeTime();
    const failures: unknown[] = [];
    const limiter = new RateLimiter({
      rate: { requests: 1, perMs: 1_000 },
      store: broken,
      onStoreFailure: (e) => failures.push(e),
      storeTimeoutMs: 5,
      now: time.now,
      sleep: time.sleep,
    });
    expect(await limiter.wait('k', 'op', 10_000)).toEqual({ go: true });
    expect(await limiter.wait('k', 'op', 10_000)).toEqual({ go: true });
    expect(time.now()).toBe(1_000);
    expect(failures).toHaveLength(1);
  });
});
