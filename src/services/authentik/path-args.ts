import { badUserInput } from '../../errors.js';
import { isSlug, positiveInteger, SLUG_MAX_LENGTH } from './spec.js';

/**
 * authentik's path arguments, checked before they reach a URL: they are percent-encoded anyway
 * (upstreamPath); these checks refuse what could never name a resource, with a clear error.
 */

export function checkSlug(value: string, field: string): string {
  if (!isSlug(value)) throw badUserInput([{ field, messages: [`must be 1 to ${SLUG_MAX_LENGTH} letters, digits, "-" or "_".`] }]);
  return value;
}

export function checkPositiveInteger(value: string, field: string): number {
  const n = positiveInteger(value);
  if (n === undefined) throw badUserInput([{ field, messages: ['must be a positive integer.'] }]);
  return n;
}
