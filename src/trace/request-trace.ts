import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/authenticator.js';
import { limitExceeded } from '../errors.js';
import type { UpstreamCallObserver, UpstreamCallRecord as UpstreamCall } from '../upstream/client.js';

export interface UpstreamCallRecord extends UpstreamCall {
  /** Absent when the upstream never answered. */
  status?: number;
  durationMs: number;
}

/**
 * One HTTP request as the gateway served it: what its log line says, and its budget of upstream
 * calls. Created when the request arrives; found again through the request object.
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
  private callsStarted = 0;

  constructor(private readonly maxUpstreamCalls: number) {}

  callStarted(call: UpstreamCall): (status: number | undefined) => void {
    // Counted when a call starts, so calls running in parallel cannot overrun the budget.
    if (this.callsStarted >= this.maxUpstreamCalls) {
      throw limitExceeded(
        { name: 'upstreamCalls', max: this.maxUpstreamCalls },
        `This operation used its budget of ${this.maxUpstreamCalls} upstream calls; ${call.operation} was not sent to ${call.service}.`,
      );
    }
    this.callsStarted += 1;
    const started = performance.now();
    return (status) => {
      this.calls.push({ ...call, ...(status !== undefined ? { status } : {}), durationMs: elapsed(started) });
    };
  }

  durationMs(): number {
    return elapsed(this.startedAt);
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
