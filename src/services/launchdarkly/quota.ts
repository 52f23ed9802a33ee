import type { QuotaSignal } from '../../upstream/rate-limit.js';

// An hour: a reset further ahead than LaunchDarkly's ten-second windows is not one to wait for.
const LONGEST_HOLD_MS = 60 * 60_000;

/**
 * LaunchDarkly's rate-limit headers ("Rate limiting" in its API description): it publishes no
 * numbers, only what is left. X-Ratelimit-Global-Remaining is the account's (every token shares it),
 * X-Ratelimit-Route-Remaining the route's (its URL pattern and verb: the operation id here), and
 * X-Ratelimit-Reset when the window resets, in epoch milliseconds. A remaining of 0 holds that
 * scope until the reset.
 */
export function launchDarklyQuota(headers: Record<string, string | string[] | undefined>, route: string, now: number): QuotaSignal[] {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const reset = Number(header('x-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= now || reset - now > LONGEST_HOLD_MS) return [];
  const signals: QuotaSignal[] = [];
  if (header('x-ratelimit-global-remaining')?.trim() === '0') signals.push({ scope: 'global', resetAt: reset });
  if (header('x-ratelimit-route-remaining')?.trim() === '0') signals.push({ scope: `route:${route}`, resetAt: reset });
  return signals;
}
