import { gatewayError } from '../errors.js';
import type { ServiceId } from '../services/index.js';
import { canonical } from './version.js';
import type { FieldChange } from './write.js';

/**
 * `ifVersion`: the version the caller last saw. When the resource has changed since, the change is
 * refused with CONFLICT and the version it has now, and nothing is written.
 */
export function checkVersion(ifVersion: string, current: string, service: ServiceId, operation: string): void {
  if (ifVersion === current) return;
  throw gatewayError(
    'CONFLICT',
    `The resource has changed since version ${ifVersion}; nothing was written. Read it again and retry with the current version.`,
    {
      upstream: { service, operation },
      currentVersion: current,
    },
  );
}

/** The top-level members in which two documents differ, in the documents' own names. */
export function diffDocuments(before: unknown, after: unknown, rename: (member: string) => string = (m) => m): FieldChange[] {
  const a = (typeof before === 'object' && before !== null ? before : {}) as Record<string, unknown>;
  const b = (typeof after === 'object' && after !== null ? after : {}) as Record<string, unknown>;
  const changes: FieldChange[] = [];
  for (const member of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (canonical(a[member] ?? null) === canonical(b[member] ?? null) && Object.hasOwn(a, member) === Object.hasOwn(b, member)) continue;
    changes.push({ field: rename(member), before: a[member] ?? null, after: b[member] ?? null });
  }
  return changes;
}
