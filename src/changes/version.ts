import { createHash } from 'node:crypto';

/**
 * A resource's `version`: opaque to callers, changed whenever the resource changes. A vendor that
 * keeps a modification time gives it; for the others it is a digest of the vendor's representation,
 * the same on every replica. Secret fields are left out of the digest, so no version can be used to
 * test guesses of a secret.
 */
export function digestVersion(representation: Record<string, unknown>, leaveOut: readonly string[] = []): string {
  const hash = createHash('sha256');
  hash.update(canonical(representation, new Set(leaveOut)));
  return `d1:${hash.digest('base64url').slice(0, 27)}`;
}

/** JSON with object keys sorted at every level, so the same content always digests the same. */
export function canonical(value: unknown, leaveOut: ReadonlySet<string> = new Set()): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value)
      .filter((key) => !leaveOut.has(key))
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
