import type { ArgBuilder, InputFieldMap, OutputType } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { builder, type Types } from '../builder.js';
import { upstreamOf, type Context } from '../context.js';
import { rewritten, type WriteOutcomeCode } from '../errors.js';
import type { ServiceId } from '../services/index.js';
import type { Upstream } from '../upstream/client.js';
import { ChangePlan, ChangePlans, type ChangePlanShape, type PlannedRequest } from './types.js';
import { runWrite, type FieldChange } from './write.js';

/**
 * One way to define a mutation, so that every mutation gets the same treatment: its checks and reads
 * run in `prepare`, which also says exactly what it would send; the mutation then sends it through
 * runWrite (journal, intent before the first write), and `plan { <name>(…) }` answers the same
 * preparation without sending anything. After a write that failed in doubt, `readBack` tells
 * whether it was applied.
 */

export interface Prepared<Result> {
  /** The resource the write is about (unknown before a create is answered). */
  resourceId?: string;
  /** The vendor's document now, secrets removed; null for a create. */
  before: unknown;
  /** The document as the change would leave it, secrets removed; null for a delete. */
  after: unknown;
  /** Field by field, in GraphQL names, secrets masked. */
  changes: FieldChange[];
  /** What `send` would send, as a plan shows it: secrets masked. Empty when there is nothing to change. */
  requests: PlannedRequest[];
  /** Sends the change and maps the vendor's answer. */
  send(http: Upstream): Promise<Result>;
  /**
   * After a failure that leaves the change in doubt, reads the resource back and tells what became
   * of it. Absent when the vendor offers no way to find out.
   */
  readBack?(http: Upstream): Promise<WriteOutcomeCode>;
}

export interface PrepareIo {
  /** The upstream for the reads a change needs (counted against the request's budget). */
  read: Upstream;
  /** True for `plan`: read whatever the plan shows (before and after), even when the write would not need it. */
  planning: boolean;
}

export interface ChangeDefinition<Args, Result> {
  /** The mutation's name, fixed by the contract. */
  name: string;
  description: string;
  service: ServiceId;
  /** The vendor's operation id of the write. */
  operation: string;
  type: OutputType<Types>;
  args(arg: ArgBuilder<Types>): InputFieldMap;
  /** The resource named by the arguments, for the journal of a write refused before preparing. */
  resourceId?(args: Args): string | undefined;
  prepare(args: Args, ctx: Context, io: PrepareIo): Promise<Prepared<Result>>;
  /** The answer holds a secret: it is marked Cache-Control: no-store. */
  secretAnswer?: boolean;
  /** A create learns its resource's id from the answer: the journal records it. */
  createdId?(result: Result): string;
}

export function defineChange<Args, Result>(definition: ChangeDefinition<Args, Result>): void {
  const { name, service, operation } = definition;
  builder.mutationField(name, (t) =>
    t.field({
      type: definition.type,
      nullable: false,
      description: definition.description,
      args: definition.args(t.arg),
      resolve: (_root, rawArgs, ctx) => {
        const args = rawArgs as Args;
        const resourceId = definition.resourceId?.(args);
        return runWrite(ctx, { service, operation, ...(resourceId !== undefined ? { resourceId } : {}) }, async (write) => {
          if (definition.secretAnswer) ctx.trace.noStore = true;
          const prepared = await definition.prepare(args, ctx, { read: write.upstream(), planning: false });
          write.changes = prepared.changes;
          if (prepared.resourceId !== undefined) write.resourceId = prepared.resourceId;
          try {
            const result = await prepared.send(write.upstream());
            if (definition.createdId) write.resourceId = definition.createdId(result);
            return result as never;
          } catch (error) {
            if (write.accepted) throw acceptedAfterAll(error);
            throw await settled(error, write.sent, prepared, withDeadline(write.upstream(), ctx.readBackTimeoutMs));
          }
        });
      },
    }),
  );
  builder.objectField(ChangePlans, name, (t) =>
    t.field({
      type: ChangePlan,
      nullable: false,
      description: `What ${name} would send and change, with the same arguments; nothing is written.`,
      args: definition.args(t.arg),
      resolve: async (_root, rawArgs, ctx): Promise<ChangePlanShape> => {
        const prepared = await definition.prepare(rawArgs as Args, ctx, { read: upstreamOf(ctx, service, operation), planning: true });
        return {
          service,
          operation,
          requests: prepared.requests,
          before: prepared.before,
          after: prepared.after,
          changes: prepared.changes,
        };
      },
    }),
  );
}

/** Reads back within a deadline of their own, shorter than a write's: the caller is waiting. */
function withDeadline(http: Upstream, timeoutMs: number): Upstream {
  return { service: http.service, request: (req, abandonedBy) => http.request({ ...req, timeoutMs }, abandonedBy) };
}

const IN_DOUBT: ReadonlySet<string> = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']);

const NEXT_STEP: Record<WriteOutcomeCode, string> = {
  APPLIED: 'Reading it back shows the change was applied; do not send it again.',
  NOT_APPLIED: 'Reading it back shows the change was not applied; it is safe to send it again.',
  UNKNOWN: 'Reading it back could not tell whether it was applied; read the resource before sending it again.',
};

/**
 * The error of a write the vendor answered with a 2xx status although the gateway could not use
 * the answer: the vendor said it applied the change, so reading it back could only contradict that
 * by reading a replica that has not seen it yet.
 */
function acceptedAfterAll(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  return rewritten(error, `${error.message} The vendor accepted the change, so it was applied; do not send it again.`, {
    outcome: 'APPLIED',
  });
}

/**
 * The error a write in doubt ends with: what reading the resource back found, and what to do next.
 * The write itself is never sent again.
 */
async function settled(error: unknown, sent: boolean, prepared: Prepared<unknown>, http: Upstream): Promise<unknown> {
  if (!(error instanceof GraphQLError) || !sent) return error;
  const { code, outcome } = error.extensions;
  if (!code || !IN_DOUBT.has(code) || outcome === 'NOT_APPLIED') return error;
  let found: WriteOutcomeCode = 'UNKNOWN';
  if (prepared.readBack) {
    try {
      found = await prepared.readBack(http);
    } catch {
      // The read failed too: the outcome stays unknown, and the write's own error is the one to report.
    }
  }
  return rewritten(error, `${error.message} ${NEXT_STEP[found]}`, { outcome: found });
}
