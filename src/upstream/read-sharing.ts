import type { AnswerBody } from './body.js';
import { credentialDigest } from './credentials.js';
import type { Exchange } from './exchange.js';
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

/**
 * Which of an upstream's reads a write may change: given the resource a write names, whether a read
 * of `readResource` may answer differently after it. Both as resourcePath gives them, which the
 * policies work out once per call: a write is checked against every cached answer, and a full cache
 * is a thousand of them.
 */
export type ReadsChangedBy = (writeResource: string) => (readResource: string) => boolean;

/**
 * Every read: for a vendor where a path does not tell what a write reaches (one that may move a
 * resource to another path, or whose answers embed other resources).
 */
export const EVERY_READ: ReadsChangedBy = () => () => true;

/**
 * The resource written, the collections above it and what lies below it: a write to
 * `/oauth-clients/a` changes the reads of `/oauth-clients/a` and of `/oauth-clients?…`, not of
 * `/oauth-clients/b`. For a vendor whose answers hold only the resource read or a list of its kind,
 * and whose resources keep their path for life.
 */
export const RESOURCE_TREE: ReadsChangedBy = (written) => (read) =>
  read === written || read.startsWith(`${written}/`) || written.startsWith(`${read}/`);

/**
 * The path without its query and trailing slash, so `/p/1/` and `/p/1?x` name the same resource; in
 * lower case, so that an id a vendor matches whatever its case (or `%2f` and `%2F`) counts as one:
 * a write then drops more than it must, never less.
 */
export function resourcePath(path: string): string {
  const query = path.indexOf('?');
  const bare = query === -1 ? path : path.slice(0, query);
  return (bare.endsWith('/') ? bare.slice(0, -1) : bare).toLowerCase();
}

const isWrite = (call: Call) => call.request.method !== 'GET';

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

/**
 * Concurrent identical reads share the first one's upstream call and its answer. A write detaches
 * the reads in flight it may change, when it is sent and when it ends: a read that comes after the
 * gateway's own write has been answered makes its own call instead of sharing one begun before it.
 */
export function coalesce(readsChangedBy: ReadsChangedBy = EVERY_READ): Policy {
  const inFlight = new Map<string, { resource: string; attempt: Promise<Attempted> }>();
  const detach = (reaches: (readResource: string) => boolean) => {
    for (const [key, read] of inFlight) if (reaches(read.resource)) inFlight.delete(key);
  };
  return (next) => {
    const write = async (call: Call) => {
      const reaches = readsChangedBy(resourcePath(call.request.path));
      detach(reaches);
      try {
        return await next(call);
      } finally {
        detach(reaches);
      }
    };
    return (call) => {
      const key = keyOf(call);
      if (key === undefined) return isWrite(call) ? write(call) : next(call);
      const shared = inFlight.get(key);
      if (shared) {
        call.shared = 'coalesced';
        return shared.attempt;
      }
      const read = {
        resource: resourcePath(call.request.path),
        attempt: next(call).finally(() => {
          // A write may have detached it, and another read of the same key taken its place.
          if (inFlight.get(key) === read) inFlight.delete(key);
        }),
      };
      inFlight.set(key, read);
      return read.attempt;
    };
  };
}

export interface ReadCacheOptions {
  ttlMs: number;
  /** Answers kept at most; the oldest goes first. */
  maxEntries: number;
  /** Members of the vendor's answers that hold a secret: an answer is kept without them, at any depth. */
  secretMembers: readonly string[];
  /** Which cached answers a write drops; all of this upstream's by default. */
  readsChangedBy?: ReadsChangedBy;
  now?: () => number;
}

interface Entry {
  resource: string;
  attempted: Attempted;
  expires: number;
}

/**
 * A recent successful answer to the same read, for at most `ttlMs`. A write through this upstream
 * (whatever became of it, whatever credential made it) drops the answers kept of every read it may
 * change (`readsChangedBy`), when it is sent and when it ends, and an answer to such a read that was
 * in flight meanwhile is not kept: after the gateway's own write, no read of this replica sees the
 * state before it. Only JSON answers are kept, without their secret members, their raw text or
 * their headers but the content type, so the cache never holds a secret; the gateway never serves
 * those members from a read anyway.
 */
export function readCache(options: ReadCacheOptions): Policy {
  const entries = new Map<string, Entry>();
  const now = options.now ?? Date.now;
  const secrets = new Set(options.secretMembers);
  const readsChangedBy = options.readsChangedBy ?? EVERY_READ;
  const writing = new Set<(readResource: string) => boolean>();
  // Reads in flight, each marked once a write that may change it begins or ends.
  const reading = new Set<{ resource: string; spoiled: boolean }>();
  const changed = (reaches: (readResource: string) => boolean) => {
    for (const [key, entry] of entries) if (reaches(entry.resource)) entries.delete(key);
    for (const read of reading) if (reaches(read.resource)) read.spoiled = true;
  };
  return (next) => async (call) => {
    const key = keyOf(call);
    if (key === undefined) {
      if (!isWrite(call)) return next(call);
      const reaches = readsChangedBy(resourcePath(call.request.path));
      writing.add(reaches);
      changed(reaches);
      try {
        return await next(call);
      } finally {
        writing.delete(reaches);
        changed(reaches);
      }
    }
    const hit = entries.get(key);
    if (hit && hit.expires > now()) {
      call.shared = 'cached';
      return hit.attempted;
    }
    if (hit) entries.delete(key);
    const resource = resourcePath(call.request.path);
    const read = { resource, spoiled: [...writing].some((reaches) => reaches(resource)) };
    reading.add(read);
    let attempted: Attempted;
    try {
      attempted = await next(call);
    } finally {
      reading.delete(read);
    }
    const { exchange, body } = attempted;
    const ok =
      exchange.kind === 'answer' &&
      exchange.status >= 200 &&
      exchange.status < 300 &&
      body !== undefined &&
      body.json !== undefined &&
      !body.problem;
    if (ok && !read.spoiled && call.shared === undefined) {
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { resource, attempted: kept(exchange, body, secrets), expires: now() + options.ttlMs });
    }
    return attempted;
  };
}

/**
 * A JSON answer as the cache keeps it: its status, its content type (all a reader of a 2xx JSON
 * answer looks at), and its JSON without any secret member, at any depth. Neither the raw bytes nor
 * the text nor the other headers are kept: none is redacted of what an upstream may echo there
 * (the Authorization header, a cookie it sets).
 */
function kept(exchange: Extract<Exchange, { kind: 'answer' }>, body: AnswerBody, secrets: ReadonlySet<string>): Attempted {
  const contentType = exchange.headers['content-type'];
  return {
    exchange: {
      kind: 'answer',
      status: exchange.status,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: new Uint8Array(),
    },
    body: { text: '', json: secrets.size === 0 ? body.json : without(body.json, secrets) },
  };
}

function without(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => without(item, secrets));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (!secrets.has(key)) out[key] = without(member, secrets);
  return out;
}
