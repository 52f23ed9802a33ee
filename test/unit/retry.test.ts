import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RetryPolicy } from '../../src/config.js';
import type { Exchange } from '../../src/upstream/exchange.js';
import { decide, type Decision } from '../../src/upstream/retry.js';

// The README's defaults: 2 retries, 200 ms first backoff, Retry-After waited for up to 5 s.
const POLICY: RetryPolicy = { retries: 2, backoffMs: 200, maxRetryAfterMs: 5_000 };
// Whole seconds, so an HTTP date (second resolution) is an exact number of seconds away.
const NOW = Date.parse('2026-03-02T10:00:00.000Z');
const HALF = () => 0.5;
// With random() = 0.5 the jittered backoff is 3/4 of base = 200 * 2^retries: 150, 300, 600 ms.
const BACKOFF_AT = [150, 300, 600] as const;

beforeEach(() => {
  // decide reads an HTTP-date Retry-After against the clock: pin it to the state's `now`.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

const httpDate = (secondsFromNow: number) => new Date(NOW + secondsFromNow * 1000).toUTCString();

function answer(status: number, retryAfter?: string | string[]): Exchange {
  return { kind: 'answer', status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter }, body: new Uint8Array() };
}

function failed(failure: 'notSent' | 'expired' | 'timeout' | 'broken', code: string | undefined): Exchange {
  return { kind: 'failed', failure, code };
}

// The Retry-After dimension; only 429 and 503 read it.
const RETRY_AFTER = {
  absent: undefined,
  '2 s (within max)': '2',
  '30 s (over max)': '30',
  'HTTP date in 4 s': httpDate(4),
  'HTTP date in 60 s (over max)': httpDate(60),
} as const;
type RetryAfterCase = keyof typeof RETRY_AFTER;
const RETRY_AFTER_CASES = Object.keys(RETRY_AFTER) as RetryAfterCase[];

/** What the policy makes of one failure: never retried, retried after backoff, after a wait, or a wait too long to take. */
type Outcome = 'never' | 'backoff' | { wait: number } | { tooLong: number };

interface Row {
  label: string;
  exchange: Exchange;
  /** The reason a retry reports. */
  reason: string;
  get: Outcome;
  patch: Outcome;
}

// Retry-After as 429 and 503 read it: an idempotent call and a write alike wait for it; a write without one is never sent again.
const WITH_RETRY_AFTER: Record<RetryAfterCase, { get: Outcome; patch: Outcome }> = {
  absent: { get: 'backoff', patch: 'never' },
  '2 s (within max)': { get: { wait: 2_000 }, patch: { wait: 2_000 } },
  '30 s (over max)': { get: { tooLong: 30_000 }, patch: { tooLong: 30_000 } },
  'HTTP date in 4 s': { get: { wait: 4_000 }, patch: { wait: 4_000 } },
  'HTTP date in 60 s (over max)': { get: { tooLong: 60_000 }, patch: { tooLong: 60_000 } },
};

const ROWS: Row[] = [
  // Statuses never retried, whatever Retry-After says.
  ...[200, 400, 401, 404, 409, 500].flatMap((status) =>
    RETRY_AFTER_CASES.map((ra): Row => ({
      label: `answer ${status}, Retry-After ${ra}`,
      exchange: answer(status, RETRY_AFTER[ra]),
      reason: `status ${status}`,
      get: 'never',
      patch: 'never',
    })),
  ),
  // 429 and 503: Retry-After decides.
  ...[429, 503].flatMap((status) =>
    RETRY_AFTER_CASES.map((ra): Row => ({
      label: `answer ${status}, Retry-After ${ra}`,
      exchange: answer(status, RETRY_AFTER[ra]),
      reason: `status ${status}`,
      ...WITH_RETRY_AFTER[ra],
    })),
  ),
  // 502 and 504: Retry-After is not read; a GET backs off, a PATCH is never sent again.
  ...[502, 504].flatMap((status) =>
    RETRY_AFTER_CASES.map((ra): Row => ({
      label: `answer ${status}, Retry-After ${ra}`,
      exchange: answer(status, RETRY_AFTER[ra]),
      reason: `status ${status}`,
      get: 'backoff',
      patch: 'never',
    })),
  ),
  { label: 'tooLarge', exchange: { kind: 'tooLarge', status: 200 }, reason: '', get: 'never', patch: 'never' },
  { label: 'notSent ECONNREFUSED', exchange: failed('notSent', 'ECONNREFUSED'), reason: 'ECONNREFUSED', get: 'backoff', patch: 'backoff' },
  {
    label: 'notSent UND_ERR_CONNECT_TIMEOUT',
    exchange: failed('notSent', 'UND_ERR_CONNECT_TIMEOUT'),
    reason: 'UND_ERR_CONNECT_TIMEOUT',
    get: 'backoff',
    patch: 'backoff',
  },
  // A host name that does not exist will not exist a moment later.
  { label: 'notSent ENOTFOUND', exchange: failed('notSent', 'ENOTFOUND'), reason: '', get: 'never', patch: 'never' },
  { label: 'notSent without a code', exchange: failed('notSent', undefined), reason: 'notSent', get: 'backoff', patch: 'backoff' },
  // It waited for a connection until its deadline: there is no time left for another attempt.
  { label: 'expired in the queue', exchange: failed('expired', 'DEADLINE'), reason: '', get: 'never', patch: 'never' },
  // Timeouts are never retried: the upstream may have acted.
  ...['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TIMEOUT_ERR'].map((code): Row => ({
    label: `timeout ${code}`,
    exchange: failed('timeout', code),
    reason: '',
    get: 'never',
    patch: 'never',
  })),
  // A connection that broke once the request may have been sent: only an idempotent call is sent again.
  ...['ECONNRESET', 'UND_ERR_SOCKET'].map((code): Row => ({
    label: `broken ${code}`,
    exchange: failed('broken', code),
    reason: code,
    get: 'backoff',
    patch: 'never',
  })),
  { label: 'broken without a code', exchange: failed('broken', undefined), reason: 'broken', get: 'backoff', patch: 'never' },
];

// The state dimension: which retry this would be, and how much time the deadline leaves.
const STATES = [
  { state: 'first retry, time to spare', retries: 0, deadline: NOW + 60_000 },
  { state: 'second retry, time to spare', retries: 1, deadline: NOW + 60_000 },
  // 100 ms left: less than any backoff (150 ms) or Retry-After (2 s) of the table.
  { state: 'wait would pass the deadline', retries: 0, deadline: NOW + 100 },
  { state: 'retries exhausted', retries: 2, deadline: NOW + 60_000 },
] as const;

function expected(outcome: Outcome, state: (typeof STATES)[number], reason: string): Decision {
  if (outcome === 'never') return { retry: false };
  if (typeof outcome === 'object' && 'tooLong' in outcome) return { retry: false, retryAfterMs: outcome.tooLong };
  const delayMs = outcome === 'backoff' ? BACKOFF_AT[state.retries] : outcome.wait;
  const allowed = state.retries < POLICY.retries && NOW + delayMs < state.deadline;
  return allowed ? { retry: true, delayMs, reason } : { retry: false, retryAfterMs: delayMs };
}

const MATRIX = ROWS.flatMap((row) =>
  STATES.flatMap((state) =>
    (['GET', 'PATCH'] as const).map((method) => ({
      name: `${method} ${row.label}, ${state.state}`,
      exchange: row.exchange,
      idempotent: method === 'GET',
      state,
      want: expected(method === 'GET' ? row.get : row.patch, state, row.reason),
    })),
  ),
);

describe('decide: idempotency × failure × Retry-After × deadline × retries', () => {
  it('covers the whole matrix', () => {
    expect(MATRIX).toHaveLength((6 * 5 + 2 * 5 + 2 * 5 + 12) * 4 * 2);
  });

  it.each(MATRIX)('$name', ({ exchange, idempotent, state, want }) => {
    const decision = decide(exchange, idempotent, POLICY, { retries: state.retries, deadline: state.deadline, now: NOW }, HALF);
    expect(decision).toStrictEqual(want);
  });
});

describe('decide: spot checks of the matrix, written out', () => {
  const fresh = { retries: 0, deadline: NOW + 60_000, now: NOW };
  it.each<[string, Exchange, boolean, Decision]>([
    ['GET 503 without Retry-After backs off', answer(503), true, { retry: true, delayMs: 150, reason: 'status 503' }],
    ['PATCH 503 without Retry-After is not sent again', answer(503), false, { retry: false }],
    ['PATCH 429 with Retry-After 2 waits 2 s', answer(429, '2'), false, { retry: true, delayMs: 2_000, reason: 'status 429' }],
    ['PATCH 429 with Retry-After 30 reports it', answer(429, '30'), false, { retry: false, retryAfterMs: 30_000 }],
    ['PATCH refused connection backs off', failed('notSent', 'ECONNREFUSED'), false, { retry: true, delayMs: 150, reason: 'ECONNREFUSED' }],
    ['PATCH broken connection is not sent again', failed('broken', 'ECONNRESET'), false, { retry: false }],
    ['GET timeout is not retried', failed('timeout', 'UND_ERR_HEADERS_TIMEOUT'), true, { retry: false }],
  ])('%s', (_name, exchange, idempotent, want) => {
    expect(decide(exchange, idempotent, POLICY, fresh, HALF)).toStrictEqual(want);
  });
});

describe('decide: Retry-After details', () => {
  const fresh = { retries: 0, deadline: NOW + 60_000, now: NOW };
  it.each<[string, Exchange, Decision]>([
    ['exactly the maximum (5 s) is waited for', answer(429, '5'), { retry: true, delayMs: 5_000, reason: 'status 429' }],
    ['one second over the maximum is not', answer(429, '6'), { retry: false, retryAfterMs: 6_000 }],
    ['0 s retries at once', answer(503, '0'), { retry: true, delayMs: 0, reason: 'status 503' }],
    ['an HTTP date in the past retries at once', answer(503, httpDate(-30)), { retry: true, delayMs: 0, reason: 'status 503' }],
    ['whitespace around seconds', answer(429, ' 3 '), { retry: true, delayMs: 3_000, reason: 'status 429' }],
    ['the first of several headers', answer(429, ['1', '30']), { retry: true, delayMs: 1_000, reason: 'status 429' }],
    // An unreadable Retry-After is no proof the write was refused.
    ['garbage on a write is no Retry-After', answer(429, 'soon'), { retry: false }],
    ['empty on a write is no Retry-After', answer(503, ''), { retry: false }],
  ])('PATCH %s', (_name, exchange, want) => {
    expect(decide(exchange, false, POLICY, fresh, HALF)).toStrictEqual(want);
  });

  it('a Retry-After over the maximum is reported even with retries and time left', () => {
    expect(decide(answer(429, '3600'), true, POLICY, fresh, HALF)).toStrictEqual({ retry: false, retryAfterMs: 3_600_000 });
  });

  it('maxRetryAfterMs 0 still takes Retry-After 0', () => {
    const policy = { ...POLICY, maxRetryAfterMs: 0 };
    expect(decide(answer(429, '0'), false, policy, fresh, HALF)).toStrictEqual({ retry: true, delayMs: 0, reason: 'status 429' });
    expect(decide(answer(429, '1'), false, policy, fresh, HALF)).toStrictEqual({ retry: false, retryAfterMs: 1_000 });
  });

  it('with Retry-After the jitter is not drawn', () => {
    const random = vi.fn(() => 0.5);
    decide(answer(429, '2'), true, POLICY, fresh, random);
    expect(random).not.toHaveBeenCalled();
  });
});

describe('decide: backoff with equal jitter', () => {
  const refused = failed('notSent', 'ECONNREFUSED');
  it.each<[backoffMs: number, retries: number, random: number, delayMs: number]>([
    [200, 0, 0, 100],
    [200, 0, 0.25, 125],
    [200, 0, 0.5, 150],
    [200, 0, 0.999, 200],
    [200, 0, 1, 200],
    [200, 1, 0, 200],
    [200, 1, 1, 400],
    [200, 2, 0.5, 600],
    [100, 3, 0.5, 600],
    [333, 0, 0.5, 250], // 166.5 + 83.25 = 249.75, rounded
    [1, 0, 0, 1], // 0.5 rounds up
    [0, 0, 0.5, 0],
  ])('backoffMs %i, retry %i, random %d → %i ms', (backoffMs, retries, r, delayMs) => {
    const policy = { retries: 10, backoffMs, maxRetryAfterMs: 5_000 };
    const random = vi.fn(() => r);
    const decision = decide(refused, false, policy, { retries, deadline: NOW + 60_000, now: NOW }, random);
    expect(decision).toStrictEqual({ retry: true, delayMs, reason: 'ECONNREFUSED' });
    expect(random).toHaveBeenCalledTimes(1);
  });
});

describe('decide: the deadline and the retry count at their edges', () => {
  const refused = failed('notSent', 'ECONNREFUSED');
  it.each<[string, { retries: number; deadline: number }, RetryPolicy, Decision]>([
    [
      'the wait ends 1 ms before the deadline',
      { retries: 0, deadline: NOW + 151 },
      POLICY,
      { retry: true, delayMs: 150, reason: 'ECONNREFUSED' },
    ],
    ['the wait ends at the deadline', { retries: 0, deadline: NOW + 150 }, POLICY, { retry: false, retryAfterMs: 150 }],
    ['the deadline has passed', { retries: 0, deadline: NOW - 1 }, POLICY, { retry: false, retryAfterMs: 150 }],
    ['the last retry allowed', { retries: 1, deadline: NOW + 60_000 }, POLICY, { retry: true, delayMs: 300, reason: 'ECONNREFUSED' }],
    [
      'retries 0 in the policy: never',
      { retries: 0, deadline: NOW + 60_000 },
      { ...POLICY, retries: 0 },
      { retry: false, retryAfterMs: 150 },
    ],
    ['more retries made than allowed', { retries: 5, deadline: NOW + 60_000 }, POLICY, { retry: false, retryAfterMs: 4_800 }],
  ])('%s', (_name, state, policy, want) => {
    expect(decide(refused, true, policy, { ...state, now: NOW }, HALF)).toStrictEqual(want);
  });

  it('a zero wait at the deadline is not retried either', () => {
    expect(decide(answer(503, '0'), false, POLICY, { retries: 0, deadline: NOW, now: NOW }, HALF)).toStrictEqual({
      retry: false,
      retryAfterMs: 0,
    });
  });
});
