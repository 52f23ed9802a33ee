import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { WriteJournal } from '../changes/write.js';
import type { RequestTrace } from '../trace/request-trace.js';
import type { Exchange, TransportFailure } from '../upstream/exchange.js';
import type { CallTelemetry } from '../upstream/policies.js';

/**
 * The gateway's Prometheus metrics. Every label value comes from a bounded set the gateway itself
 * defines: operation types, error codes, service ids, the vendors' operation ids, HTTP statuses,
 * transport failures, limit names. Never a credential, an id, a path, or anything the caller wrote
 * (GraphQL operation names are free text: they are in the log line and the trace, not here).
 */
export class GatewayMetrics {
  /** This gateway's metrics; other modules may register theirs here (`registers: [metrics.registry]`). */
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly requests = new Counter({
    name: 'gateway_graphql_requests_total',
    help: 'GraphQL requests answered, by operation type and the code of their first error (OK when none).',
    labelNames: ['operation_type', 'code'] as const,
    registers: [this.registry],
  });

  private readonly requestDuration = new Histogram({
    name: 'gateway_graphql_request_duration_seconds',
    help: 'Time from a GraphQL request arriving to its answer, by operation type.',
    labelNames: ['operation_type'] as const,
    registers: [this.registry],
  });

  private readonly limitRefusals = new Counter({
    name: 'gateway_limit_refusals_total',
    help: 'Requests refused, or fields refused, for going over an operation limit, by limit.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly upstreamCalls = new Counter({
    name: 'gateway_upstream_calls_total',
    help: 'Upstream calls, retries included in one call, by service, vendor operation and final status (an HTTP status or how it failed).',
    labelNames: ['service', 'operation', 'status'] as const,
    registers: [this.registry],
  });

  private readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_call_duration_seconds',
    help: 'Time of one upstream call, from admission to its last byte: waiting for a connection, every attempt and the backoff between them.',
    labelNames: ['service', 'operation'] as const,
    registers: [this.registry],
  });

  private readonly upstreamRetries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Attempts made again after a failed one, by service, vendor operation and what the failed attempt got.',
    labelNames: ['service', 'operation', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly sharedReads = new Counter({
    name: 'gateway_upstream_reads_shared_total',
    help: 'Reads answered without an upstream call of their own, by service, vendor operation and how: coalesced (with an identical read in flight) or cached.',
    labelNames: ['service', 'operation', 'how'] as const,
    registers: [this.registry],
  });

  private readonly tokenRenewals = new Counter({
    name: 'gateway_upstream_token_renewals_total',
    help: 'Tokens the gateway obtained itself that an upstream refused (401), renewed before sending the request once more.',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });

  private readonly writes = new Counter({
    name: 'gateway_writes_total',
    help: 'Mutations attempted, by service, vendor operation and outcome (APPLIED, REFUSED, FAILED, UNKNOWN).',
    labelNames: ['service', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly auditWrites = new Counter({
    name: 'gateway_audit_writes_total',
    help: 'Writes to the audit trail: a write intent before anything is sent, its outcome after; ok or failed.',
    labelNames: ['stage', 'result'] as const,
    registers: [this.registry],
  });

  /** The upstream calls' counts and durations, per call (retries inside it); see CallTelemetry. */
  readonly upstream: CallTelemetry = {
    start: (call) => {
      const started = performance.now();
      const { service, operation } = call;
      return {
        retried: (info) => this.upstreamRetries.inc({ service, operation, reason: statusLabel(info.exchange) }),
        renewed: () => this.tokenRenewals.inc({ service }),
        ended: (ended, attempted) => {
          if (ended.shared) {
            this.sharedReads.inc({ service, operation, how: ended.shared });
            return;
          }
          this.upstreamCalls.inc({ service, operation, status: statusLabel(attempted?.exchange) });
          this.upstreamDuration.observe({ service, operation }, (performance.now() - started) / 1000);
        },
      };
    },
  };

  /** Counts one answered GraphQL request, from its trace. */
  requestServed(trace: RequestTrace): void {
    const operationType = trace.operationType ?? 'none';
    const first = trace.errorCodes[0];
    this.requests.inc({ operation_type: operationType, code: first === undefined ? 'OK' : codeLabel(first) });
    this.requestDuration.observe({ operation_type: operationType }, trace.durationMs() / 1000);
    for (const limit of trace.limits) this.limitRefusals.inc({ limit });
    if (first === 'REQUEST_ENTITY_TOO_LARGE') this.limitRefusals.inc({ limit: 'bodyBytes' });
  }

  /**
   * The journal with its writes counted: each write's outcome, and, when it is the audit trail
   * (`audited`), each write to it, ok or failed.
   */
  journal(journal: WriteJournal, audited: boolean): WriteJournal {
    const stored = async <T>(stage: 'intent' | 'outcome', write: () => Promise<T>): Promise<T> => {
      if (!audited) return write();
      try {
        const written = await write();
        this.auditWrites.inc({ stage, result: 'ok' });
        return written;
      } catch (error) {
        this.auditWrites.inc({ stage, result: 'failed' });
        throw error;
      }
    };
    return {
      intend: async (record) => {
        const entry = await stored('intent', () => journal.intend(record));
        return {
          complete: (result) => {
            this.writes.inc({ service: record.service, operation: record.operation, outcome: result.outcome });
            return stored('outcome', () => entry.complete(result));
          },
        };
      },
      ended: (record, result) => {
        this.writes.inc({ service: record.service, operation: record.operation, outcome: result.outcome });
        return stored('outcome', () => journal.ended(record, result));
      },
    };
  }

  /** The Prometheus text exposition: the process's metrics, then this gateway's. */
  async exposition(): Promise<string> {
    const [process, gateway] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${gateway}`;
  }
}

// CPU, memory, event loop and GC belong to the process, however many gateways it runs (the tests run
// several): collected once, in a registry of their own.
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const FAILURES: Record<TransportFailure, string> = {
  notSent: 'not_sent',
  expired: 'expired',
  timeout: 'timeout',
  broken: 'broken',
  throttled: 'throttled',
  abandoned: 'abandoned',
};

/** An HTTP status, or how the call failed without one; `error` when it never got to be sent (no credential). */
function statusLabel(exchange: Exchange | undefined): string {
  if (!exchange) return 'error';
  if (exchange.kind === 'answer') return String(exchange.status);
  if (exchange.kind === 'tooLarge') return 'too_large';
  return FAILURES[exchange.failure];
}

// Codes are set by the gateway and graphql-yoga, never by a caller; the pattern keeps it so.
const CODE = /^[A-Z][A-Z_]{0,47}$/;

function codeLabel(code: string): string {
  return CODE.test(code) ? code : 'INTERNAL_SERVER_ERROR';
}
