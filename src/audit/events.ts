import { SECRET_MARKER, type FieldChange, type WriteOutcome } from '../changes/write.js';
import type { ErrorCode } from '../errors.js';
import type { ServiceId } from '../services/index.js';

/** One write attempt as the audit trail keeps it; `null` where a value does not apply. */
export interface AuditEvent {
  id: string;
  /** When the write was attempted (ISO 8601). */
  time: string;
  requestId: string;
  caller: string;
  service: ServiceId;
  operation: string;
  resourceId: string | null;
  changes: FieldChange[];
  /** UNKNOWN from the intent until the outcome is known; it stays so if the gateway never learns it. */
  outcome: WriteOutcome;
  code: ErrorCode | null;
  upstreamStatus: number | null;
  trackingId: string | null;
  /** When the outcome was recorded; null while the write runs, or if the gateway stopped before it knew. */
  completedAt: string | null;
}

/** What the trail's reader may ask for; `after` is a position (AuditEventPage.positions) of an earlier page. */
export interface AuditQuery {
  services?: readonly ServiceId[];
  resourceId?: string;
  caller?: string;
  outcome?: WriteOutcome;
  since?: Date;
  until?: Date;
  first: number;
  after?: string;
}

export interface AuditEventPage {
  events: AuditEvent[];
  /** Each event's position in the trail, for cursors: the same index as `events`. */
  positions: string[];
  hasNextPage: boolean;
}

// The mutations mask their secret fields already; this is the second line of defence for a field
// whose name says it is a secret, however it reached the changes (a new mutation, a JSON Patch path).
// Suffixes only where no ordinary field ends so: `consumer_key` and `include_claims_in_id_token` are not secrets.
const SECRET_SUFFIXES = ['secret', 'password', 'passphrase'];
const SECRET_NAMES = new Set(['token', 'apikey', 'accesstoken', 'refreshtoken', 'privatekey', 'credential', 'credentials']);

export function isSecretName(name: string): boolean {
  const last = name.split(/[/.]/).filter(Boolean).at(-1) ?? name;
  const normalized = last.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_NAMES.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/**
 * Text as PostgreSQL can store it: it holds no NUL character and no lone UTF-16 surrogate, in text or
 * in jsonb, and a value that carried one would fail its write. U+FFFD is the character that says
 * one could not be represented.
 */
export function storable(text: string): string {
  // Nearly every text has neither a NUL nor any surrogate, which one class scan tells faster than the pattern.
  return SUSPECT.test(text) ? text.replace(UNSTORABLE, '\ufffd') : text;
}

const SUSPECT = /[\u0000\ud800-\udfff]/;
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The changes as the trail keeps them: every value a secret's name marks replaced by SECRET_MARKER, at any depth; text storable. */
export function maskSecrets(changes: readonly FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    const field = storable(change.field);
    if (isSecretName(change.field)) {
      return { field, ...maskedSide('before', change.before), ...maskedSide('after', change.after) };
    }
    return {
      field,
      ...(change.before !== undefined ? { before: maskValue(change.before) } : {}),
      ...(change.after !== undefined ? { after: maskValue(change.after) } : {}),
    };
  });
}

function maskedSide(side: 'before' | 'after', value: unknown): Partial<FieldChange> {
  if (value === undefined) return {};
  // null says the secret was cleared (or never set), which is no secret.
  return { [side]: value === null ? null : SECRET_MARKER };
}

function maskValue(value: unknown, depth = 0): unknown {
  // Values come from a GraphQL request, whose nesting the operation limits bound already.
  if (typeof value === 'string') return storable(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      storable(key),
      isSecretName(key) && item !== null ? SECRET_MARKER : maskValue(item, depth + 1),
    ]),
  );
}
