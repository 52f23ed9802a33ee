/**
 * Respecting a vendor's rate limits before it refuses: requests to one upstream (with one
 * credential, the unit vendors count by) take a token from a bucket that refills at the vendor's
 * documented rate, and wait for one, within their own deadline, rather than collect 429s. Where a
 * vendor says in its answers how much of its quota is left (X-Ratelimit-* headers), an
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
export class LocalTokens implements TokenStore {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  async take(key: string, rate: Rate, now: number): Promise<{ taken: true } | { taken: false; waitMs: number }> {
    return this.takeNow(key, rate, now);
  }

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
  scope: string;
  resetAt: number;
}

/**
 * The X-Ratelimit-* headers: X-Ratelimit-Global-Remaining (the account's), X-Ratelimit-Route-Remaining
 * (this route's), X-Ratelimit-Reset (epoch milliseconds). A remaining of 0 holds that scope until
 * the reset; `route` names the route (the vendor's operation id).
 */
export function quotaSignals(headers: Record<string, string | string[] | undefined>, route: string, now: number): QuotaSignal[] {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const reset = Number(header('x-ratelimit-reset'));
  // A reset in the past, or absurdly far ahead, is not one to wait for.
  if (!Number.isFinite(reset) || reset <= now || reset - now > 60 * 60_000) return [];
  const signals: QuotaSignal[] = [];
  if (header('x-ratelimit-global-remaining')?.trim() === '0') signals.push({ scope: 'global', resetAt: reset });
  if (header('x-ratelimit-route-remaining')?.trim() === '0') signals.push({ scope: `route:${route}`, resetAt: reset });
  return signals;
}

/**
 * One upstream's limits: its rate (when it documents one) and the quota its answers report. `wait`
 * resolves true once a request may go, or false when `by` (epoch ms) would pass first: then it is
 * not sent at all.
 */
export class RateLimiter {
  private readonly heldUntil = new Map<string, number>();
  private warned = false;

  constructor(
    private readonly rate: Rate | undefined,
    private readonly store: TokenStore,
    private readonly fallback: LocalTokens,
    private readonly onStoreFailure: (error: unknown) => void,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async wait(key: string, route: string, by: number): Promise<boolean> {
    for (;;) {
      const now = this.now();
      const held = Math.max(this.heldUntil.get('global') ?? 0, this.heldUntil.get(`route:${route}`) ?? 0);
      if (held > now) {
        if (held >= by) return false;
        await this.sleep(held - now);
        continue;
      }
      if (!this.rate) return true;
      const result = await this.take(key, now);
      if (result.taken) return true;
      if (now + result.waitMs >= by) return false;
      await this.sleep(result.waitMs);
    }
  }

  /** What an answer said of the vendor's quota. */
  observe(headers: Record<string, string | string[] | undefined>, route: string): void {
    for (const { scope, resetAt } of quotaSignals(headers, route, this.now())) {
      this.heldUntil.set(scope, Math.max(this.heldUntil.get(scope) ?? 0, resetAt));
    }
  }

  /** A token from the shared store; from this process's own bucket while the store cannot be reached. */
  private async take(key: string, now: number): Promise<{ taken: true } | { taken: false; waitMs: number }> {
    const rate = this.rate!;
    if (this.store === this.fallback) return this.fallback.takeNow(key, rate, now);
    try {
      const result = await this.store.take(key, rate, now);
      this.warned = false;
      return result;
    } catch (error) {
      if (!this.warned) this.onStoreFailure(error);
      this.warned = true;
      return this.fallback.takeNow(key, rate, now);
    }
  }
}
