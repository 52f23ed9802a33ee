import { badUserInput } from './errors.js';

/**
 * Checks for arguments that end up in an upstream URL path. They are percent-encoded anyway
 * (upstreamPath); these checks refuse what could never be a real identifier, with a clear error,
 * before any request is made.
 */

// Vendor ids are hex strings, UUIDs or similar tokens: no "/", "%", "?", "#", spaces or controls.
const ID = /^[A-Za-z0-9_~-][A-Za-z0-9._~:-]{0,127}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value) && !/^\.+$/.test(value);
}

export function checkId(value: string, field: string): string {
  if (!isId(value)) {
    throw badUserInput([{ field, messages: ['must be an id of letters, digits, "-", "_", ".", "~" or ":" (at most 128), not a path.'] }]);
  }
  return value;
}

/** authentik slugs: the spec's pattern ^[-a-zA-Z0-9_]+$ and maxLength 50. */
export const SLUG_PATTERN = /^[-a-zA-Z0-9_]+$/;
export const SLUG_MAX_LENGTH = 50;

export function isSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= SLUG_MAX_LENGTH && SLUG_PATTERN.test(value);
}

export function checkSlug(value: string, field: string): string {
  if (!isSlug(value)) {
    throw badUserInput([{ field, messages: [`must be 1 to ${SLUG_MAX_LENGTH} letters, digits, "-" or "_".`] }]);
  }
  return value;
}

/** authentik's integer primary keys. */
export function positiveInteger(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) return undefined;
  return Number(value);
}

export function checkPositiveInteger(value: string, field: string): number {
  const n = positiveInteger(value);
  if (n === undefined) throw badUserInput([{ field, messages: ['must be a positive integer.'] }]);
  return n;
}
