import type { RetryPolicy } from '../config.js';
import type { Exchange } from './exchange.js';
import { retryAfterSeconds } from './response.js';

/**
 * When a failed upstream call is tried again.
 *
 * An idempotent call (GET, a token request) is retried after a connection failure or a 429, 502,
 * 503 or 504. Any other call (PATCH) is retried only when the upstream proved it did not process
 * it: the connection was never made, or it answered 429/503 with a Retry-After. Never after a
 * timeout, and never a write after a connection broke once the request may have been sent.
 * Retries stop when they run out or when the wait would pass the last moment the call may still be
 * sent; the caller is then told when trying again makes sense. A Retry-After is read on 429 and 503
 * only, the statuses RFC 9110 and RFC 6585 give it to; a 502 or 504 is retried with backoff.
 */

export type Decision =
  | { retry: true; delayMs: number; reason: string }
  /** `retryAfterMs`: set when the failure is one that a later attempt may not meet. */
  | { retry: false; retryAfterMs?: number };

export interface RetryState {
  /** Retries already made for this call. */
  retries: number;
  /** Epoch milliseconds after which no attempt may start. */
  deadline: number;
  now: number;
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

export function decide(exchange: Exchange, idempotent: boolean, policy: RetryPolicy, state: RetryState, random = Math.random): Decision {
  const retryable = retryableFailure(exchange, idempotent, state.now);
  if (!retryable) return { retry: false };
  const { reason, retryAfterMs } = retryable;
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return { retry: false, retryAfterMs };
  const delayMs = retryAfterMs ?? backoff(policy, state.retries, random);
  if (state.retries >= policy.retries || state.now + delayMs >= state.deadline) return { retry: false, retryAfterMs: delayMs };
  return { retry: true, delayMs, reason };
}

function retryableFailure(exchange: Exchange, idempotent: boolean, now: number): { reason: string; retryAfterMs?: number } | undefined {
  if (exchange.kind === 'tooLarge') return undefined;
  if (exchange.kind === 'failed') {
    const reason = exchange.code ?? exchange.failure;
    // A host name that does not exist will not exist a moment later either.
    if (exchange.failure === 'notSent') return exchange.code === 'ENOTFOUND' ? undefined : { reason };
    if (exchange.failure === 'broken' && idempotent) return { reason };
    return undefined;
  }
  if (!RETRIED_STATUSES.has(exchange.status)) return undefined;
  const seconds = exchange.status === 429 || exchange.status === 503 ? retryAfterSeconds(exchange.headers['retry-after'], now) : undefined;
  const reason = `status ${exchange.status}`;
  if (seconds !== undefined) return { reason, retryAfterMs: seconds * 1000 };
  // Without Retry-After a 429 or 503 does not say the write was refused rather than half done.
  return idempotent ? { reason } : undefined;
}

/** Exponential backoff with equal jitter: half the delay fixed, half random, so callers spread out. */
function backoff(policy: RetryPolicy, retries: number, random: () => number): number {
  const base = policy.backoffMs * 2 ** retries;
  return Math.round(base / 2 + (random() * base) / 2);
}
