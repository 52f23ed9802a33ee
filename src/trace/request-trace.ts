import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/authenticator.js';
import { limitExceeded, type LimitInfo } from '../errors.js';
import type { UpstreamCallObserver, UpstreamCallRecord as UpstreamCall } from '../upstream/client.js';

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
  readonly id = randomUUID();
  readonly calls: UpstreamCallRecord[] = [];
  caller?: Caller;
  operationName?: string;
  operationType?: string;
  errorCodes: string[] = [];
  /** The answer holds a secret a create or rotate made: no cache may keep it. */
  noStore = false;
  private readonly startedAt = performance.now();
  private readonly operation: CallBudget;

  constructor(maxUpstreamCalls: number) {
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
      this.calls.push({ ...call, ...(status !== undefined ? { status } : {}), durationMs: elapsed(started) });
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

const traces = new WeakMap<Request, RequestTrace>();

export function startTrace(request: Request, maxUpstreamCalls: number): RequestTrace {
  const trace = new RequestTrace(maxUpstreamCalls);
  traces.set(request, trace);
  return trace;
}

export function traceOf(request: Request): RequestTrace | undefined {
  return traces.get(request);
}
