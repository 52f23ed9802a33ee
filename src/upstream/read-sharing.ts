import { createHash } from 'node:crypto';
import type { AnswerBody } from './body.js';
import type { Attempted, Call, Policy } from './policies.js';

/**
 * Reads that cost the vendor's quota once: concurrent identical GETs share one upstream call
 * (coalescing), and, when UPSTREAM_CACHE_TTL_MS is set, a recent answer serves the same GET again
 * (the read cache). "Identical" is the same origin, path and query, and the same credential: an
 * answer is never shared across credentials, and writes are never shared or cached. A write through
 * the gateway drops what is cached of the resource it changes, and of the collection it belongs to.
 */

/** What identifies a read for sharing: its origin, path and query, and a digest of its credential. */
function keyOf(call: Call): string | undefined {
  if (call.request.method !== 'GET' || !call.idempotent) return undefined;
  // A digest, so the map keys hold no credential.
  const credential = call.presented ? createHash('sha256').update(call.presented.secret).digest('base64url') : '-';
  return `${call.request.origin}${call.request.path}\n${credential}`;
}

/** Concurrent identical reads share the first one's upstream call and its answer. */
export function coalesce(): Policy {
  const inFlight = new Map<string, Promise<Attempted>>();
  return (next) => (call) => {
    const key = keyOf(call);
    if (key === undefined) return next(call);
    const shared = inFlight.get(key);
    if (shared) {
      call.shared = true;
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
  now?: () => number;
}

interface Entry {
  attempted: Attempted;
  expires: number;
  /** The path without its query: what a write to the resource, or its collection, drops. */
  resource: string;
}

/**
 * A recent successful answer to the same read, for at most `ttlMs`. Answers are kept without the
 * members a vendor marks secret (UpstreamRequest.secretMembers), at any depth, so the cache never
 * holds a secret; the gateway never serves those members anyway.
 */
export function readCache(options: ReadCacheOptions): Policy {
  const entries = new Map<string, Entry>();
  const now = options.now ?? Date.now;
  const drop = (origin: string, path: string) => {
    const resource = `${origin}${resourceOf(path)}`;
    const collection = resource.replace(/\/[^/]*$/, '');
    for (const [key, entry] of entries) if (entry.resource === resource || entry.resource === collection) entries.delete(key);
  };
  return (next) => async (call) => {
    const key = keyOf(call);
    if (key === undefined) {
      const attempted = await next(call);
      // Whatever became of it, a write may have changed the resource.
      drop(call.request.origin, call.request.path);
      return attempted;
    }
    const hit = entries.get(key);
    if (hit && hit.expires > now()) {
      call.shared = true;
      return hit.attempted;
    }
    if (hit) entries.delete(key);
    const attempted = await next(call);
    const { exchange } = attempted;
    if (exchange.kind === 'answer' && exchange.status >= 200 && exchange.status < 300 && attempted.body && !attempted.body.problem) {
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, {
        attempted: { exchange: { ...exchange, body: new Uint8Array() }, body: scrubbed(attempted.body, call.secretMembers ?? []) },
        expires: now() + options.ttlMs,
        resource: `${call.request.origin}${resourceOf(call.request.path)}`,
      });
    }
    return attempted;
  };
}

/** The path without its query or trailing slash: `/sources/oauth/` and `/sources/oauth?page=2` name one collection. */
function resourceOf(path: string): string {
  const q = path.indexOf('?');
  return (q === -1 ? path : path.slice(0, q)).replace(/\/+$/, '');
}

/** The body with every member named in `secrets` removed, at any depth; the raw text is not kept. */
function scrubbed(body: AnswerBody, secrets: readonly string[]): AnswerBody {
  return { text: '', json: secrets.length === 0 ? body.json : without(body.json, new Set(secrets)) };
}

function without(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => without(item, secrets));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (!secrets.has(key)) out[key] = without(member, secrets);
  return out;
}
