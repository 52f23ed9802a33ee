import { badUserInput } from './errors.js';

/**
 * Checks for arguments that end up in an upstream URL path. They are percent-encoded anyway
 * (upstreamPath); these checks refuse what could never be a real identifier, with a clear error,
 * before any request is made.
 */

// Vendor ids are hex strings, UUIDs or similar tokens: no "/", "%", "?", "#", spaces or controls.
const ID = /^[A-Za-z0-9_~-][A-Za-z0-9._~:-]{0,127}$/;

export function checkId(value: string, field: string): string {
  if (!ID.test(value) || /^\.+$/.test(value)) {
    throw badUserInput([{ field, messages: ['must be an id of letters, digits, "-", "_", ".", "~" or ":" (at most 128), not a path.'] }]);
  }
  return value;
}

/** authentik slugs: the spec's pattern ^[-a-zA-Z0-9_]+$ and maxLength 50. */
export const SLUG_PATTERN = /^[-a-zA-Z0-9_]+$/;
export const SLUG_MAX_LENGTH = 50;

export function checkSlug(value: string, field: string): string {
  if (value.length === 0 || value.length > SLUG_MAX_LENGTH || !SLUG_PATTERN.test(value)) {
    throw badUserInput([{ field, messages: [`must be 1 to ${SLUG_MAX_LENGTH} letters, digits, "-" or "_".`] }]);
  }
  return value;
}

/** authentik's integer primary keys. */
export function checkPositiveInteger(value: string, field: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
    throw badUserInput([{ field, messages: ['must be a positive integer.'] }]);
  }
  return Number(value);
}
