import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/authenticator.js';
import { limitExceeded, type LimitInfo } from '../errors.js';
import type { UpstreamCallObserver, UpstreamCallRecord as UpstreamCall } from '../upstream/client.js';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's request id is taken when it is one token of a safe alphabet and bounded length (a UUID,
// a ULID, hex, base64): it goes into log lines, audit events and upstream requests as it is.
const REQUEST_ID = /^[A-Za-z0-9._:+=/-]{1,128}$/;

// W3C Trace Context, version 00: a trace id and a parent id, neither all zeros, and the flags.
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A well-formed `traceparent` header value (version 00). */
export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

export interface UpstreamCallRecord extends UpstreamCall {
  /** Absent when the upstream never answered. */
  status?: number;
  durationMs: number;
}

/**
 * One HTTP request as the gateway served it: what its log line says, and its budgets of upstream
 * calls. Created when the request arrives; found again through the request object.
 *
 * Each kind of work has a budget of its own, so that one kind cannot use up another's: the
 * operation's own calls (GATEWAY_MAX_UPSTREAM_CALLS, the budget the trace itself observes), each
 * reading of a vendor's whole list (GATEWAY_MAX_LIST_PAGES pages, see `budget`), and the
 * operation's entity references (GATEWAY_MAX_ENTITIES). Every call of every budget is in the log line.
 */
export class RequestTrace implements UpstreamCallObserver {
  readonly id: string;
  /**
   * Sent with every upstream call of this request: its id, and the caller's W3C trace context (which
   * the call's own span context replaces when tracing is on), so the upstream's traces join the caller's.
   */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
  readonly calls: UpstreamCallRecord[] = [];
  caller?: Caller;
  operationName?: string;
  operationType?: string;
  errorCodes: string[] = [];
  /** The answer holds a secret a create or rotate made: no cache may keep it. */
  noStore = false;
  /** The operation limits the request went over (LimitInfo names), for the limit metrics. */
  limits: string[] = [];
  /** The path asked for (set as the request arrives) and the HTTP status (as the answer leaves). */
  path?: string;
  status?: number;
  private readonly startedAt = performance.now();
  private readonly operation: CallBudget;

  constructor(maxUpstreamCalls: number, incoming?: Headers) {
    const id = incoming?.get(REQUEST_ID_HEADER);
    this.id = id != null && REQUEST_ID.test(id) ? id : randomUUID();
    const traceparent = incoming?.get('traceparent');
    this.upstreamHeaders = {
      [REQUEST_ID_HEADER]: this.id,
      ...(traceparent != null && isTraceparent(traceparent) ? { traceparent } : {}),
    };
    this.operation = this.budget(
      { name: 'upstreamCalls', max: maxUpstreamCalls },
      (call) => `This operation used its budget of ${maxUpstreamCalls} upstream calls; ${call.operation} was not sent to ${call.service}.`,
    );
  }

  callStarted(call: UpstreamCall): (status: number | undefined) => void {
    return this.operation.callStarted(call);
  }

  /** A budget of its own for one kind of work, whose calls this trace logs; `refusal` says why a call was not sent. */
  budget(limit: LimitInfo, refusal: (call: UpstreamCall) => string): CallBudget {
    return new CallBudget(limit, refusal, (call, started) => (status) => {
      // Named one by one, of one shape whether or not it has a status (the log line omits an undefined one).
      this.calls.push({ service: call.service, operation: call.operation, method: call.method, status, durationMs: elapsed(started) });
    });
  }

  durationMs(): number {
    return elapsed(this.startedAt);
  }
}

/** At most `limit.max` upstream calls; the next one is refused before it is sent. */
export class CallBudget implements UpstreamCallObserver {
  private started = 0;

  constructor(
    readonly limit: LimitInfo,
    private readonly refusal: (call: UpstreamCall) => string,
    private readonly record: (call: UpstreamCall, started: number) => (status: number | undefined) => void,
  ) {}

  /** Calls started so far. */
  get used(): number {
    return this.started;
  }

  callStarted(call: UpstreamCall): (status: number | undefined) => void {
    // Counted when a call starts, so calls running in parallel cannot overrun the budget.
    if (this.started >= this.limit.max) throw limitExceeded(this.limit, this.refusal(call));
    this.started += 1;
    return this.record(call, performance.now());
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

// Kept on the request object itself: an entry in a WeakMap per request costs more to add and find,
// and every scavenge has to go through the map's entries.
const TRACE = Symbol('requestTrace');
type Traced = Request & { [TRACE]?: RequestTrace };

export function startTrace(request: Request, maxUpstreamCalls: number): RequestTrace {
  const trace = new RequestTrace(maxUpstreamCalls, request.headers);
  (request as Traced)[TRACE] = trace;
  return trace;
}

export function traceOf(request: Request): RequestTrace | undefined {
  return (request as Traced)[TRACE];
}
