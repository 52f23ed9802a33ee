import { credentialDigest } from './credentials.js';
import type { Policy } from './policies.js';

/**
 * Respecting a vendor's rate limits before it refuses: requests to one upstream (with one
 * credential, the unit vendors count by) take a token from a bucket that refills at the vendor's
 * documented rate, and wait for one, within their own deadline, rather than collect 429s. Where a
 * vendor says in its answers how much of its quota is left (its definition's `quota.signals`), an
 * exhausted quota holds its requests until the vendor's reset time.
 */

/** A rate: `requests` per `perMs` milliseconds, as a vendor documents it (say 100 per 10 s). */
export interface Rate {
  requests: number;
  perMs: number;
}

/** Reads a rate setting: `100/10s`, `5/1s`, `600/1m`; undefined when it is not one. */
export function parseRate(text: string): Rate | undefined {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,6})?\s*(ms|s|m)\s*$/.exec(text);
  if (!match) return undefined;
  const requests = Number(match[1]);
  const amount = match[2] === undefined ? 1 : Number(match[2]);
  const unit = match[3] === 'ms' ? 1 : match[3] === 's' ? 1_000 : 60_000;
  if (requests < 1 || amount < 1) return undefined;
  return { requests, perMs: amount * unit };
}

/** Where the tokens of a bucket are kept: in this process, or in a store every replica shares. */
export interface TokenStore {
  /**
   * Takes one token of `key` if one is there, refilling at `rate` up to `rate.requests`; else says
   * how long until one will be. Throws when the store cannot be reached.
   */
  take(key: string, rate: Rate, now: number): Promise<{ taken: true } | { taken: false; waitMs: number }>;
}

/** Buckets in this process's memory. */
export class LocalTokens {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  takeNow(key: string, rate: Rate, now: number): { taken: true } | { taken: false; waitMs: number } {
    const perMsRate = rate.requests / rate.perMs;
    const bucket = this.buckets.get(key) ?? { tokens: rate.requests, at: now };
    const tokens = Math.min(rate.requests, bucket.tokens + (now - bucket.at) * perMsRate);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      return { taken: true };
    }
    this.buckets.set(key, { tokens, at: now });
    return { taken: false, waitMs: Math.ceil((1 - tokens) / perMsRate) };
  }
}

/** What a vendor's answer said of its quota: exhausted until `resetAt` (epoch ms), for a scope. */
export interface QuotaSignal {
  /** `global` (every request with this credential), or a route of the vendor's own (`route:<operation>`). */
  scope: string;
  resetAt: number;
}

/** Reads what a vendor's answer headers say of its quota (a vendor's definition knows its headers). */
export type QuotaReader = (headers: Record<string, string | string[] | undefined>, route: string, now: number) => QuotaSignal[];

export type Admitted = { go: true } | { go: false; retryAfterMs: number };

export interface RateLimiterOptions {
  /** The vendor's documented rate, per credential; none when it documents none. */
  rate: Rate | undefined;
  /** Where the buckets are: a store every replica shares; this process's own when absent or unreachable. */
  store?: TokenStore;
  signals?: QuotaReader;
  /** Told once each time the shared store stops answering. */
  onStoreFailure?: (error: unknown) => void;
  /** How long a token from the shared store may take before this process's own bucket is used. */
  storeTimeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One upstream's limits: its rate and the quota its answers report. `wait` resolves `go` once a
 * request may be sent, or, when `by` (epoch ms) would pass first, at once with how long it would have
 * had to wait: then the request is not sent at all.
 */
export class RateLimiter {
  /** By bucket key and scope: one credential's exhausted quota is not another's, nor another account's. */
  private readonly heldUntil = new Map<string, number>();
  private readonly local = new LocalTokens();
  private storeDown = false;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Whether it can ever hold a request: a rate, or a vendor that reports its quota. */
  get active(): boolean {
    return this.options.rate !== undefined || this.options.signals !== undefined;
  }

  async wait(key: string, route: string, by: number): Promise<Admitted> {
    for (;;) {
      const now = this.now();
      const held = Math.max(this.heldUntil.get(`${key}\nglobal`) ?? 0, this.heldUntil.get(`${key}\nroute:${route}`) ?? 0);
      if (held > now) {
        if (held >= by) return { go: false, retryAfterMs: held - now };
        await this.sleep(held - now);
        continue;
      }
      if (!this.options.rate) return { go: true };
      const result = await this.take(key, this.options.rate, now);
      if (result.taken) return { go: true };
      if (now + result.waitMs >= by) return { go: false, retryAfterMs: result.waitMs };
      await this.sleep(result.waitMs);
    }
  }

  /** What an answer to a request of bucket `key` said of the vendor's quota. */
  observe(key: string, headers: Record<string, string | string[] | undefined>, route: string): void {
    if (!this.options.signals) return;
    const now = this.now();
    const signals = this.options.signals(headers, route, now);
    if (signals.length === 0) return;
    // Callers' own credentials come and go: a hold that is over is forgotten.
    for (const [held, until] of this.heldUntil) if (until <= now) this.heldUntil.delete(held);
    for (const { scope, resetAt } of signals) {
      const held = `${key}\n${scope}`;
      this.heldUntil.set(held, Math.max(this.heldUntil.get(held) ?? 0, resetAt));
    }
  }

  /** A token from the shared store; from this process's own bucket while the store cannot be reached. */
  private async take(key: string, rate: Rate, now: number): Promise<{ taken: true } | { taken: false; waitMs: number }> {
    const { store } = this.options;
    if (!store) return this.local.takeNow(key, rate, now);
    let timer: NodeJS.Timeout | undefined;
    try {
      const slow = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('the shared store did not answer in time')),
          this.options.storeTimeoutMs ?? STORE_TIMEOUT_MS,
        );
      });
      const result = await Promise.race([store.take(key, rate, now), slow]);
      this.storeDown = false;
      return result;
    } catch (error) {
      if (!this.storeDown) this.options.onStoreFailure?.(error);
      this.storeDown = true;
      return this.local.takeNow(key, rate, now);
    } finally {
      clearTimeout(timer);
    }
  }
}

// A token that takes longer than this to come from the shared store would cost every call its time.
const STORE_TIMEOUT_MS = 250;

const THROTTLED = { kind: 'failed', failure: 'throttled', code: 'RATE_LIMIT' } as const;

/**
 * Sends a call only once the upstream's limits leave room for it, within its time to be sent (a
 * write keeps the end of its deadline for the answer). Each attempt takes its own token: a retry is
 * a request the vendor counts. The bucket is the upstream's and the credential's (the unit vendors
 * count by), keyed by a digest so no store holds the credential.
 */
export function throttle(service: string, limiter: RateLimiter): Policy {
  return (next) => async (call) => {
    const key = `${service}:${credentialDigest(call.presented)}`;
    const admitted = await limiter.wait(key, call.operation, call.dispatchBy);
    if (!admitted.go) return { exchange: THROTTLED, retryAfterMs: admitted.retryAfterMs };
    const attempted = await next(call);
    if (attempted.exchange.kind === 'answer') limiter.observe(key, attempted.exchange.headers, call.operation);
    return attempted;
  };
}
