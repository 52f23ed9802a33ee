import { GraphQLError } from 'graphql';
import type { Context } from '../context.js';
import { upstreamOf } from '../context.js';
import { gatewayError, type ErrorCode } from '../errors.js';
import type { ServiceId } from '../services/index.js';
import type { Upstream } from '../upstream/client.js';

/**
 * Every mutation is a write: it runs through runWrite, which records the attempt in the journal
 * (the audit trail). The journal's intent is made durable before the first request that changes
 * anything leaves for the upstream, and completed with the outcome after; a write refused by the
 * gateway's own checks is recorded as refused, with nothing sent.
 */

/** One field of a resource as a change leaves it, in GraphQL names; secrets replaced by SECRET_MARKER. */
export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

/** What replaces a secret's value in a change, a plan or an audit event. */
export const SECRET_MARKER = '[SECRET]';

export type WriteOutcome = 'APPLIED' | 'REFUSED' | 'FAILED' | 'UNKNOWN';

/** The write being attempted, as the journal records it. */
export interface WriteRecord {
  requestId: string;
  /** The caller's label, as the request log has it (never a credential). */
  caller: string;
  service: ServiceId;
  /** The vendor's operation id of the write. */
  operation: string;
  resourceId?: string;
  changes: readonly FieldChange[];
}

export interface WriteResult {
  outcome: WriteOutcome;
  /** The error code the caller was given, when the write did not apply. */
  code?: ErrorCode;
  upstreamStatus?: number;
  trackingId?: string;
  /** A create learns the id only from the vendor's answer. */
  resourceId?: string;
}

/** Where writes are recorded. */
export interface WriteJournal {
  /**
   * Durably records that `record` is about to be sent, before it is; throws AUDIT_UNAVAILABLE (so
   * nothing is sent) when it cannot.
   */
  intend(record: WriteRecord): Promise<JournalEntry>;
  /** Records a write that ended before anything was sent (refused by the gateway's checks, or failed reading). */
  ended(record: WriteRecord, result: WriteResult): Promise<void>;
}

export interface JournalEntry {
  complete(result: WriteResult): Promise<void>;
}

/** A journal that keeps nothing. */
export const NO_JOURNAL: WriteJournal = {
  intend: async () => ({ complete: async () => {} }),
  ended: async () => {},
};

/** One mutation's write, as its resolver builds it: what it changes, and the upstream it goes through. */
export class Write {
  resourceId: string | undefined;
  changes: FieldChange[] = [];
  /**
   * The vendor answered the request that changes something with a 2xx status: the change was
   * applied, whatever became of the answer's body (not JSON, not the resource, too large, cut off).
   */
  accepted = false;
  private entry: Promise<JournalEntry> | undefined;

  constructor(
    private readonly ctx: Context,
    readonly service: ServiceId,
    readonly operation: string,
    resourceId?: string,
  ) {
    this.resourceId = resourceId;
  }

  /** True once an intent was recorded, i.e. once a request that changes something may have been sent. */
  get sent(): boolean {
    return this.entry !== undefined;
  }

  /**
   * The upstream for this write's calls (counted and credentialed as any other): reads go as they
   * are; the first request that changes something waits until the journal holds its intent.
   */
  upstream(operation = this.operation): Upstream {
    const http = upstreamOf(this.ctx, this.service, operation);
    return {
      service: http.service,
      request: async (req) => {
        if (req.method === 'GET') return http.request(req);
        const gone = this.ctx.callerGone;
        if (gone.aborted) throw callerGone(this.service);
        await this.intend();
        try {
          const res = await http.request(req, gone);
          this.accepted = isSuccess(res.status);
          return res;
        } catch (error) {
          // The write's own status only: a token endpoint's 200 without a token is not the write's.
          const { upstream, outcome } = error instanceof GraphQLError ? error.extensions : {};
          this.accepted = upstream?.operation === req.operation && outcome !== 'NOT_APPLIED' && isSuccess(upstream.status);
          throw error;
        }
      },
    };
  }

  private intend(): Promise<JournalEntry> {
    this.entry ??= this.ctx.journal.intend(this.record());
    return this.entry;
  }

  record(): WriteRecord {
    return {
      requestId: this.ctx.trace.id,
      caller: this.ctx.caller?.id ?? 'anonymous',
      service: this.service,
      operation: this.operation,
      ...(this.resourceId !== undefined ? { resourceId: this.resourceId } : {}),
      changes: this.changes,
    };
  }

  /** Completes the journal's record with what became of the write. */
  async finish(result: WriteResult): Promise<void> {
    if (this.entry) await (await this.entry).complete(result);
    else await this.ctx.journal.ended(this.record(), result);
  }
}

/**
 * Runs one mutation's write and records what became of it. The outcome is APPLIED when it returns;
 * otherwise it follows from the error: UNKNOWN after a failure that leaves the change in doubt
 * (`extensions.outcome` may settle it), FAILED when the upstream refused it, REFUSED when the
 * gateway did before sending anything.
 */
export async function runWrite<T>(
  ctx: Context,
  target: { service: ServiceId; operation: string; resourceId?: string },
  body: (write: Write) => Promise<T>,
): Promise<T> {
  const write = new Write(ctx, target.service, target.operation, target.resourceId);
  let result: T;
  try {
    result = await body(write);
  } catch (error) {
    // The journal itself failed: there is nothing to record it in.
    if (error instanceof GraphQLError && error.extensions.code === 'AUDIT_UNAVAILABLE') throw error;
    await write.finish(failure(error, write.sent));
    throw error;
  }
  await write.finish({ outcome: 'APPLIED', ...(write.resourceId !== undefined ? { resourceId: write.resourceId } : {}) });
  return result;
}

const isSuccess = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

/**
 * The error of a write whose caller hung up before it was sent: nobody is left to be told what
 * became of it, so it is not sent at all.
 */
export function callerGone(service: ServiceId): GraphQLError {
  return gatewayError('BAD_REQUEST', `The caller closed its connection before the change was sent to ${service}; nothing was changed.`);
}

const IN_DOUBT: ReadonlySet<string> = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']);

function failure(error: unknown, sent: boolean): WriteResult {
  if (!(error instanceof GraphQLError)) return { outcome: sent ? 'UNKNOWN' : 'REFUSED', code: 'INTERNAL_SERVER_ERROR' };
  const { code, upstream, outcome } = error.extensions;
  const details = {
    ...(code ? { code } : {}),
    ...(upstream?.status !== undefined ? { upstreamStatus: upstream.status } : {}),
    ...(upstream?.trackingId ? { trackingId: upstream.trackingId } : {}),
  };
  if (!sent) return { outcome: upstream ? 'FAILED' : 'REFUSED', ...details };
  if (outcome === 'APPLIED') return { outcome: 'APPLIED', ...details };
  if (outcome === 'NOT_APPLIED') return { outcome: 'FAILED', ...details };
  return { outcome: code && IN_DOUBT.has(code) ? 'UNKNOWN' : 'FAILED', ...details };
}
