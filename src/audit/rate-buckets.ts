import type { Rate, TokenStore } from '../upstream/rate-limit.js';
import type { Database } from './database.js';

// What a bucket holds now: what it held, refilled for the time since (the database's clock, the
// same for every replica), never more than the bucket's size.
const REFILLED = 'least($2::float8, tokens + extract(epoch from now() - at) * 1000 * $3::float8)';

/**
 * Token buckets in the shared PostgreSQL, so a vendor's quota holds across every replica. Taking a
 * token is one conditional UPDATE, which PostgreSQL evaluates under the row's lock: two replicas
 * can never take the same last token.
 */
export class SharedTokens implements TokenStore {
  /** Buckets this process knows exist, so their row is not inserted again. */
  private readonly known = new Set<string>();

  constructor(private readonly db: Database) {}

  async take(key: string, rate: Rate): Promise<{ taken: true } | { taken: false; waitMs: number }> {
    const perMs = rate.requests / rate.perMs;
    const params = [key, rate.requests, perMs];
    if (!this.known.has(key)) {
      await this.db.query('insert into rate_buckets (key, tokens, at) values ($1, $2::float8, now()) on conflict (key) do nothing', [
        key,
        rate.requests,
      ]);
      this.known.add(key);
    }
    const taken = await this.db.query(
      `update rate_buckets set tokens = ${REFILLED} - 1, at = now() where key = $1 and ${REFILLED} >= 1 returning tokens`,
      params,
    );
    if (taken.length > 0) return { taken: true };
    const [row] = await this.db.query<{ tokens: number }>(`select ${REFILLED} as tokens from rate_buckets where key = $1`, params);
    return { taken: false, waitMs: Math.max(1, Math.ceil((1 - (row?.tokens ?? 0)) / perMs)) };
  }
}
