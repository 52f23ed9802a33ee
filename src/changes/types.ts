import { builder } from '../builder.js';
import type { ServiceId } from '../services/index.js';
import type { FieldChange } from './write.js';

/**
 * The GraphQL types every vendor's writes share, as references: vendor modules use them while the
 * registry of vendors is still loading, and src/changes/schema.ts implements them once it has.
 */

export interface DeletedResourceShape {
  service: ServiceId;
  id: string;
}

/** One request a change would send, as a plan shows it (credentials never, secrets masked). */
export interface PlannedRequest {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
}

export interface ChangePlanShape {
  service: ServiceId;
  operation: string;
  requests: PlannedRequest[];
  before: unknown;
  after: unknown;
  changes: readonly FieldChange[];
}

export const DeletedResource = builder.objectRef<DeletedResourceShape>('DeletedResource');
export const ChangePlan = builder.objectRef<ChangePlanShape>('ChangePlan');
/** `Mutation.plan`: one field per mutation, with the same arguments, answering its plan. */
export const ChangePlans = builder.objectRef<Record<string, never>>('ChangePlans');
