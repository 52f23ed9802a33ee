import { badUserInput } from '../../errors.js';
import { checkMember } from './partial-update.js';
import type { Release } from './releases.js';
import { positiveInteger, SOURCE_FIELDS } from './spec.js';

/**
 * authentik's path arguments, checked before they reach a URL: they are percent-encoded anyway
 * (upstreamPath); these checks refuse what could never name a resource, with a clear error.
 */

/**
 * A source slug, by the slug member's schema: its pattern always, its length limit where the
 * server's release has one (asked only for a slug longer than every release allows).
 */
export async function checkSlug(value: string, field: string, release: () => Promise<Release>): Promise<string> {
  const problem = await slugProblem(value, release);
  if (problem) throw badUserInput([{ field, messages: [problem] }]);
  return value;
}

export function slugProblem(value: string, release: () => Promise<Release>): Promise<string | undefined> {
  return checkMember(SOURCE_FIELDS.slug!, value, release);
}

export function checkPositiveInteger(value: string, field: string): number {
  const n = positiveInteger(value);
  if (n === undefined) throw badUserInput([{ field, messages: ['must be a positive integer.'] }]);
  return n;
}
