import type { Plugin } from 'graphql-yoga';
import { log } from './log.js';

/** One thing the gateway needs to serve: configuration, the audit store, a token it obtains itself. */
export interface ReadinessCheck {
  /** Names the dependency in /ready's answer and the log: `audit store`. */
  readonly name: string;
  /**
   * Resolves when the dependency can serve; rejects, or resolves `false`, when it cannot. It runs on
   * every probe (every few seconds, from every kubelet), so it must be cheap or cached. Its error's
   * message is logged, never answered: it must hold no secret.
   */
  check(): Promise<unknown>;
}

export const READY_PATH = '/ready';

// Kubernetes' probe gives up after timeoutSeconds (1 s by default; deploy/ sets 5): a check still
// running after this counts as failed, and goes on in the background for the next probe.
const CHECK_TIMEOUT_MS = 4_000;

type Result = 'ok' | 'failed';

/**
 * GET /ready: 200 when every check passes, 503 when any fails, with the state of each as JSON
 * (`{"ready":false,"checks":{"configuration":"ok","audit store":"failed"}}`). Answered before
 * caller authentication, like /health. A check that starts or stops failing is logged once.
 */
export function readiness(checks: readonly ReadinessCheck[]): Plugin {
  const last = new Map<string, Result>();
  const run = async (check: ReadinessCheck): Promise<Result> => {
    let timer: NodeJS.Timeout | undefined;
    let result: Result;
    let reason: string | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      });
      result = (await Promise.race([check.check(), timeout])) === false ? 'failed' : 'ok';
    } catch (error) {
      result = 'failed';
      reason = error instanceof Error ? error.message.slice(0, 300) : 'failed';
    } finally {
      clearTimeout(timer);
    }
    if (last.get(check.name) !== result) {
      if (result === 'ok') log.info(`readiness: ${check.name} ok`, { check: check.name });
      else log.warn(`readiness: ${check.name} failed`, { check: check.name, ...(reason ? { reason } : {}) });
      last.set(check.name, result);
    }
    return result;
  };
  return {
    // Synchronous for every other request: a hook that returns a promise makes yoga wait a turn for it.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!request.url.includes(READY_PATH) || url.pathname !== READY_PATH) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      return Promise.all(checks.map(run)).then((results) => {
        const ready = results.every((result) => result === 'ok');
        const body = { ready, checks: Object.fromEntries(checks.map((check, i) => [check.name, results[i]])) };
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status: ready ? 200 : 503,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
          }),
        );
      });
    },
  };
}
