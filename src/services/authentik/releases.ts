/**
 * authentik releases (year.minor.patch, e.g. 2024.8.1) and spans of them. The transcription in
 * spec.ts says in which releases each member and enum value exists; a server's release decides
 * which of those apply to a request.
 */

export interface Release {
  /** As authentik spells it, without a pre-release or build suffix: 2026.2.0. */
  readonly name: string;
  /** Orders releases: year * 10^4 + minor * 10^2 + patch. */
  readonly key: number;
}

/** A run of releases: from `since` (included) to `until` (excluded); either end open when absent. */
export interface Span {
  readonly since?: string;
  readonly until?: string;
}

// authentik's version_current is `2026.2.0`, a release candidate `2026.2.3-rc1`; a bare `2026.2` is its .0.
const RELEASE = /^(\d{4})\.(\d{1,2})(?:\.(\d{1,2}))?(?:[-+][0-9A-Za-z.+-]*)?$/;

export function parseRelease(text: string): Release | undefined {
  const match = RELEASE.exec(text.trim());
  if (!match) return undefined;
  const [year, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  return { name: `${year}.${minor}.${patch}`, key: year * 10_000 + minor * 100 + patch };
}

const written = new Map<string, Release>();

/** A release written in this folder's tables; a typo there is a programming error. */
export function release(text: string): Release {
  let parsed = written.get(text);
  if (!parsed) {
    parsed = parseRelease(text);
    if (!parsed) throw new Error(`not an authentik release: ${text}`);
    written.set(text, parsed);
  }
  return parsed;
}

/** The oldest and the newest release transcribed (authentik-2024.8.1 and authentik-2026.2 in upstream-specs/). */
export const OLDEST = release('2024.8.0');
export const NEWEST = release('2026.2.0');

export function within(at: Release, span: Span): boolean {
  return (span.since === undefined || at.key >= release(span.since).key) && (span.until === undefined || at.key < release(span.until).key);
}

/** The release as a reader says it: `2024.10` for a .0, `2024.8.5` otherwise. */
export function shortName(at: Release): string {
  return at.name.endsWith('.0') ? at.name.slice(0, -2) : at.name;
}

/** "authentik 2025.10 and later", "authentik before 2024.12", "authentik 2024.8.5 to 2024.10": where a span holds. */
export function describeSpan(span: Span): string | undefined {
  const since = span.since === undefined ? undefined : shortName(release(span.since));
  const until = span.until === undefined ? undefined : shortName(release(span.until));
  if (since && until) return `authentik ${since} to ${until} (not ${until})`;
  if (since) return `authentik ${since} and later`;
  if (until) return `authentik before ${until}`;
  return undefined;
}

/** " Only in authentik 2024.10 and later (null on others)." for a member not every release has; "" otherwise. */
export function onlyIn(span: Span | undefined, others = 'null on others'): string {
  const where = span && describeSpan(span);
  return where ? ` Only in ${where} (${others}).` : '';
}
