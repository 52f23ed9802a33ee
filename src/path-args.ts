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
