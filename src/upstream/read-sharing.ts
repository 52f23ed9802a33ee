import type { AnswerBody } from './body.js';
import { credentialDigest } from './credentials.js';
import type { Attempted, Call, Policy } from './policies.js';

/**
 * Reads that cost the vendor's quota once: concurrent identical GETs share one upstream call
 * (coalescing), and, when UPSTREAM_CACHE_TTL_MS is set, a recent answer serves the same GET again
 * (the read cache). "Identical" is the same origin, path and query, the same vendor headers, and the
 * same credential: an answer is never shared across credentials, and writes, and the reads a write
 * depends on (`fresh`), are never shared or cached.
 */

// Headers that differ per GraphQL request without changing what the upstream answers.
const PER_REQUEST = new Set(['authorization', 'x-request-id', 'traceparent', 'tracestate']);

/** What identifies a read for sharing; the credential only as a digest, so no map key holds it. */
function keyOf(call: Call): string | undefined {
  const { request } = call;
  if (request.method !== 'GET' || !call.idempotent || call.fresh) return undefined;
  let headers = '';
  for (const name of Object.keys(request.headers).sort()) {
    if (!PER_REQUEST.has(name)) headers += `${name}:${request.headers[name]}\n`;
  }
  // A read with a deadline of its own waits only with reads of the same deadline.
  return `${request.origin}${request.path}\n${headers}${credentialDigest(call.presented)}\n${call.timeoutMs ?? ''}`;
}

/** Concurrent identical reads share the first one's upstream call and its answer. */
export function coalesce(): Policy {
  const inFlight = new Map<string, Promise<Attempted>>();
  return (next) => (call) => {
    const key = keyOf(call);
    if (key === undefined) return next(call);
    const shared = inFlight.get(key);
    if (shared) {
      call.shared = 'coalesced';
      return shared;
    }
    const attempt = next(call).finally(() => inFlight.delete(key));
    inFlight.set(key, attempt);
    return attempt;
  };
}

export interface ReadCacheOptions {
  ttlMs: number;
  /** Answers kept at most; the oldest goes first. */
  maxEntries: number;
  /** Members of the vendor's answers that hold a secret: an answer is kept without them, at any depth. */
  secretMembers: readonly string[];
  now?: () => number;
}

interface Entry {
  attempted: Attempted;
  expires: number;
}

/**
 * A recent successful answer to the same read, for at most `ttlMs`. Any write through this upstream
 * (whatever became of it) drops every answer kept of it, and an answer read while a write was under
 * way is not kept: after the gateway's own write, no read of this replica sees the state before it.
 * Answers are kept without their secret members and without their raw text, so the cache never holds
 * a secret; the gateway never serves those members from a read anyway.
 */
export function readCache(options: ReadCacheOptions): Policy {
  const entries = new Map<string, Entry>();
  const now = options.now ?? Date.now;
  const secrets = new Set(options.secretMembers);
  // Counts writes begun and ended: a read is kept only if none began or ended while it was in flight.
  let writes = 0;
  let writing = 0;
  return (next) => async (call) => {
    const key = keyOf(call);
    if (key === undefined) {
      if (call.request.method === 'GET') return next(call);
      writes += 1;
      writing += 1;
      entries.clear();
      try {
        return await next(call);
      } finally {
        writing -= 1;
        writes += 1;
        entries.clear();
      }
    }
    const hit = entries.get(key);
    if (hit && hit.expires > now()) {
      call.shared = 'cached';
      return hit.attempted;
    }
    if (hit) entries.delete(key);
    const before = writes;
    const attempted = await next(call);
    const { exchange, body } = attempted;
    const ok = exchange.kind === 'answer' && exchange.status >= 200 && exchange.status < 300 && body !== undefined && !body.problem;
    if (ok && writing === 0 && writes === before && call.shared === undefined) {
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, {
        attempted: { exchange: { ...exchange, body: new Uint8Array() }, body: scrubbed(body, secrets) },
        expires: now() + options.ttlMs,
      });
    }
    return attempted;
  };
}

/** The body with every secret member removed, at any depth; the raw text is not kept. */
function scrubbed(body: AnswerBody, secrets: ReadonlySet<string>): AnswerBody {
  return { text: '', json: secrets.size === 0 ? body.json : without(body.json, secrets) };
}

function without(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => without(item, secrets));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (!secrets.has(key)) out[key] = without(member, secrets);
  return out;
}
