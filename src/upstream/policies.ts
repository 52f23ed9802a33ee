import type { RetryPolicy, ServiceId } from '../config.js';
import { readAnswerBody, type AnswerBody } from './body.js';
import { GraphQLError } from 'graphql';
import { rewritten } from '../errors.js';
import type { CredentialSource, Presented } from './credentials.js';
import { exchange, withHeaders, type Exchange, type ExchangeRequest } from './exchange.js';
import { Redactor } from './redact.js';
import type { UpstreamPools } from './pools.js';
import { decide } from './retry.js';

/**
 * The upstream call as small policies, each wrapping the next (undici's `compose` shape): the
 * observer of the GraphQL request, the telemetry (metrics, trace span), the deadline, the retry
 * decision, the credential and its renewal, redaction, and the wire. Each policy knows one thing; the
 * client composes them once.
 */

/** One upstream call on its way through the policies. */
export interface Call {
  readonly service: ServiceId;
  /** The vendor's operation id, reported in errors, logs and metrics. */
  readonly operation: string;
  /** The request as it goes out; `authorize` adds the credential's header to it. */
  request: ExchangeRequest;
  /** GETs and token requests: safe to send twice. */
  readonly idempotent: boolean;
  /** A deadline shorter than the configured one. */
  readonly timeoutMs?: number;
  /** Aborted when nobody waits for the call any more: it is not written after that. */
  readonly abandonedBy?: AbortSignal;
  /** Set by `deadline`: epoch ms when the call gives up, and after which nothing more is written. */
  deadline: number;
  dispatchBy: number;
  /** The credential source for this call (the configured one, or the caller's own); none for a token request. */
  readonly credentials?: CredentialSource;
  /** Set by `authorize`: what the request carried, so redaction knows what to look for. */
  presented?: Presented;
  /** Secrets the body sets, redacted from an answer that is not a success (UpstreamRequest.secrets). */
  readonly secrets?: readonly string[];
  /** Watches this call for its GraphQL request (budget, log line); absent for calls of no request. */
  readonly observer?: UpstreamCallObserver;
  /** Retries made so far, and whether a refused token was renewed. */
  retries: number;
  renewed: boolean;
  /** Set when the answer came from another call's (an identical read in flight, or the read cache): no upstream call of its own. */
  shared?: 'coalesced' | 'cached';
  /** Set for a read that must see the upstream as it is now (one a write depends on): never shared. */
  fresh?: boolean;
  /** Set by `instrument`: the telemetry following this call, told of its retries and renewal. */
  probes?: readonly CallProbe[];
}

export interface Attempted {
  exchange: Exchange;
  /** Set when the call failed in a way a later attempt may not: how long to wait first. */
  retryAfterMs?: number;
  /** The decoded answer (set by `redact`, for an answer). */
  body?: AnswerBody;
}

export type Send = (call: Call) => Promise<Attempted>;
export type Policy = (next: Send) => Send;

export function compose(...policies: Policy[]): (send: Send) => Send {
  return (send) => policies.reduceRight<Send>((next, policy) => policy(next), send);
}

export interface UpstreamCallRecord {
  service: ServiceId;
  operation: string;
  method: ExchangeRequest['method'];
}

/** Watches the calls made for one GraphQL request: its budget of upstream calls, its log line. */
export interface UpstreamCallObserver {
  /** Headers every call made for the request carries (its request id, the caller's trace context). */
  readonly upstreamHeaders?: Readonly<Record<string, string>>;
  /** Called before a call is sent, and may throw to refuse it; the result is called with its outcome. */
  callStarted(call: UpstreamCallRecord): (status: number | undefined) => void;
}

/** Reports each call, once whatever its retries, to the request that made it. */
export const observe: Policy = (next) => async (call) => {
  if (!call.observer) return next(call);
  const done = call.observer.callStarted({ service: call.service, operation: call.operation, method: call.request.method });
  let status: number | undefined;
  try {
    const attempted = await next(call);
    status = attempted.exchange.status;
    return attempted;
  } finally {
    done(status);
  }
};

/**
 * Follows each upstream call from outside its retries, so what it sees is the call as the GraphQL
 * request made it: one start, one end, the time in between (queueing, backoff and every attempt
 * included), and each retry and token renewal on the way.
 */
export interface CallTelemetry {
  start(call: Call): CallProbe;
}

export interface CallProbe {
  /** Sent with every attempt of the call (a trace context). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Runs the call; a probe with a context runs it within (so a token request it causes is its child). */
  within?<T>(run: () => Promise<T>): Promise<T>;
  retried?(info: RetryInfo): void;
  renewed?(): void;
  /** `attempted` is undefined when the call threw (its credential could not be had). */
  ended(call: Call, attempted: Attempted | undefined): void;
}

export interface RetryInfo {
  /** The retry about to be made: 1 for the second attempt. */
  retry: number;
  delayMs: number;
  reason: string;
  /** What the attempt that failed got. */
  exchange: Exchange;
}

/** Hands the call to a telemetry probe for its whole life, retries included. */
export function instrument(telemetry: CallTelemetry): Policy {
  return (next) => async (call) => {
    const probe = telemetry.start(call);
    // The same call goes on, so every probe, outer or inner, sees what the inner policies learn.
    call.probes = call.probes ? [...call.probes, probe] : [probe];
    if (probe.headers) call.request = withHeaders(call.request, { ...call.request.headers, ...probe.headers });
    let attempted: Attempted | undefined;
    try {
      attempted = probe.within ? await probe.within(() => next(call)) : await next(call);
      return attempted;
    } finally {
      probe.ended(call, attempted);
    }
  };
}

// The share of the deadline a write keeps for its answer: written later than this, it would most
// likely time out, and a timed-out write leaves the caller not knowing whether it was applied.
const WRITE_ANSWER_SHARE = 0.1;
const WRITE_ANSWER_MAX_MS = 1_000;
// A read keeps less: sent with almost no time left it could only time out, at the cost of a request
// of the vendor's quota.
const READ_ANSWER_SHARE = 0.05;
const READ_ANSWER_MAX_MS = 250;

/** One deadline for the whole call, retries and token included. A call is not sent once too little of it is left. */
export function deadline(timeoutMs: number, now: () => number = Date.now): Policy {
  const writeMargin = Math.min(WRITE_ANSWER_MAX_MS, Math.round(timeoutMs * WRITE_ANSWER_SHARE));
  return (next) => (call) => {
    const callTimeoutMs = Math.min(timeoutMs, call.timeoutMs ?? timeoutMs);
    call.deadline = now() + callTimeoutMs;
    const readMargin = Math.min(READ_ANSWER_MAX_MS, Math.round(callTimeoutMs * READ_ANSWER_SHARE));
    call.dispatchBy = call.deadline - (call.idempotent ? readMargin : writeMargin);
    return next(call);
  };
}

/** Tries again when `decide` allows it; see retry.ts for when that is. */
export function retry(policy: RetryPolicy, onRetry: (call: Call, info: RetryInfo) => void): Policy {
  return (next) => async (call) => {
    for (;;) {
      const attempted = await next(call);
      const decision = decide(attempted.exchange, call.idempotent, policy, {
        retries: call.retries,
        deadline: call.dispatchBy,
        now: Date.now(),
      });
      if (!decision.retry) return decision.retryAfterMs === undefined ? attempted : { ...attempted, retryAfterMs: decision.retryAfterMs };
      call.retries += 1;
      const info: RetryInfo = { retry: call.retries, delayMs: decision.delayMs, reason: decision.reason, exchange: attempted.exchange };
      onRetry(call, info);
      if (call.probes) for (const probe of call.probes) probe.retried?.(info);
      if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    }
  };
}

/**
 * Puts the call's credential in its Authorization header. When the upstream answers 401 to a token
 * the gateway obtained itself, that token is dropped and the request sent once more with a new one:
 * a 401 proves the request was not processed.
 */
export function authorize(onRenewal: (call: Call) => void): Policy {
  return (next) => async (call) => {
    const source = call.credentials;
    if (!source) return next(call);
    const send = async () => {
      call.presented = await presentedFor(call, source);
      const headers = call.presented ? { ...call.request.headers, authorization: call.presented.header } : call.request.headers;
      // The same call goes on, so what the inner policies learn (a shared answer) reaches the outer ones.
      call.request = withHeaders(call.request, headers);
      return next(call);
    };
    let attempted = await send();
    const refused = () => attempted.exchange.kind === 'answer' && attempted.exchange.status === 401 && call.presented !== undefined;
    if (refused() && source.renewable && !call.renewed) {
      source.invalidate(call.presented!);
      call.renewed = true;
      onRenewal(call);
      if (call.probes) for (const probe of call.probes) probe.renewed?.();
      attempted = await send();
      if (refused()) source.invalidate(call.presented!);
    }
    return attempted;
  };
}

/** The credential, or the error of a token that could not be had: then nothing was sent, and a write says so. */
async function presentedFor(call: Call, source: CredentialSource): Promise<Presented | undefined> {
  try {
    return await source.current();
  } catch (error) {
    if (call.idempotent || !(error instanceof GraphQLError)) throw error;
    throw rewritten(error, error.message, { outcome: 'NOT_APPLIED' });
  }
}

/**
 * Decodes an answer with every copy of what the request carried (and of `always`, the configured
 * secret) redacted, so no vendor can quote a credential back to a GraphQL caller; and, in an answer
 * that is not a success, of the secrets the body set.
 */
export function redact(always: ReadonlyArray<string | undefined> = []): Policy {
  const fixed = new Redactor(always);
  // A caller's credential, or a granted token, is usually seen again soon: its pattern is kept a while.
  const recent = new Map<string, Redactor>();
  const redactorFor = (secret: string | undefined): Redactor => {
    if (secret === undefined || always.includes(secret)) return fixed;
    let redactor = recent.get(secret);
    if (!redactor) {
      redactor = new Redactor([secret, ...always]);
      if (recent.size >= RECENT_REDACTORS) recent.delete(recent.keys().next().value!);
      recent.set(secret, redactor);
    }
    return redactor;
  };
  return (next) => async (call) => {
    const attempted = await next(call);
    if (attempted.exchange.kind !== 'answer') return attempted;
    const { status } = attempted.exchange;
    // Rare (a write that sets a secret) and the secret new each time: no pattern is kept for it.
    const redactor =
      call.secrets !== undefined && (status < 200 || status >= 300)
        ? new Redactor([call.presented?.secret, ...call.secrets, ...always])
        : redactorFor(call.presented?.secret);
    const body = readAnswerBody(attempted.exchange.body, redactor);
    // Written out, not spread: see withHeaders.
    const { retryAfterMs } = attempted;
    return retryAfterMs === undefined ? { exchange: attempted.exchange, body } : { exchange: attempted.exchange, retryAfterMs, body };
  };
}

const RECENT_REDACTORS = 64;

const EXPIRED: Attempted = { exchange: { kind: 'failed', failure: 'expired', code: 'DEADLINE' } };

/**
 * The last step: the request on the wire once its origin has a free connection for it (or not at
 * all, when its time to be sent runs out first), within the call's deadline and response size limit.
 */
export function wire(pools: UpstreamPools, maxBytes: number): Send {
  return async (call) => {
    const origin = pools.get(call.request.origin);
    const release = await origin.admission.enter(call.dispatchBy);
    if (!release) return EXPIRED;
    try {
      const limits = { maxBytes, deadline: call.deadline, dispatchBy: call.dispatchBy, abandonedBy: call.abandonedBy };
      return { exchange: await exchange(origin.pool, call.request, limits) };
    } finally {
      release();
    }
  };
}
