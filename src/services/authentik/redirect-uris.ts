import type { MATCHING_MODES } from './spec.js';

/**
 * authentik's two forms of a provider's redirect URIs, and the conversions between them.
 *
 * Up to 2024.8.4 (and in 2024.10.0 to 2024.10.2) `redirect_uris` is one string, "one URI per line";
 * authentik 2024.8 splits it at any whitespace and matches every entry as a regular expression
 * (re.fullmatch), each compared as plain text when any of them is not a valid expression. From the
 * fix of CVE-2024-52289 (2024.8.5, 2024.10.3) it is a list of rules {matching_mode: strict | regex,
 * url}. Migration 0024 (authentik/providers/oauth2/migrations/0024_remove_oauth2provider_redirect_uris_and_more.py)
 * converted each provider's string with `split("\n")`: every piece verbatim (no trimming, empty
 * pieces kept) is one rule, `regex` only when the piece is exactly `*` or `.*`, otherwise `strict`.
 * It has no reverse. The gateway converts the string the same way, and writes rules as a string only
 * when the migration would turn that string back into exactly those rules.
 */

export type MatchingMode = (typeof MATCHING_MODES)[number];

/** RedirectURI / RedirectURIRequest. */
export interface RedirectUriRule {
  matching_mode: MatchingMode;
  url: string;
}

const REGEX_LINES: readonly string[] = ['*', '.*'];

/** Migration 0024's conversion of a 2024.8-style string into rules. */
export function rulesFromString(text: string): RedirectUriRule[] {
  return text.split('\n').map((url) => ({ matching_mode: REGEX_LINES.includes(url) ? 'regex' : 'strict', url }));
}

/** Why a rule cannot be a line of the string that migration 0024 turns back into it; undefined when it can. */
function lineProblem(rule: RedirectUriRule): string | undefined {
  if (rule.url.includes('\n')) return 'its url contains a line break, and the string holds one URI per line.';
  if (rule.matching_mode === 'regex' && !REGEX_LINES.includes(rule.url)) {
    return 'the string has no matching mode: authentik upgrades every line but * and .* to a STRICT rule.';
  }
  if (rule.matching_mode === 'strict' && REGEX_LINES.includes(rule.url)) {
    return `authentik upgrades the line ${rule.url} to a REGEX rule, not a STRICT one.`;
  }
  return undefined;
}

/**
 * The 2024.8-style string of these rules for reading: the lines joined with "\n", or undefined when
 * migration 0024 would not turn that string back into the same rules (a REGEX rule other than `*`
 * or `.*`, a STRICT `*` or `.*`, a url with a line break). No rules is the empty string: 2024.8's
 * "no URI yet" (the first one used is saved), as an empty list is since.
 */
export function stringFromRules(rules: readonly RedirectUriRule[]): string | undefined {
  return rules.some((rule) => lineProblem(rule) !== undefined) ? undefined : rules.map((rule) => rule.url).join('\n');
}

// Python's str.split() with no separator, which authentik 2024.8 splits the string with at runtime.
const PYTHON_WHITESPACE = /[\s\x1c-\x1f\x85]/u;

/**
 * The string to write to a server that keeps one, for these rules, or the problem of the first rule
 * that cannot be written: one the migration would not read back as it is, or whose url holds
 * whitespace (2024.8 itself splits the string at any whitespace, so it would become two entries, and
 * its serializer trims the ends). Every line is still a regular expression to 2024.8 at runtime,
 * STRICT or not: that is the behaviour CVE-2024-52289 fixed, and upgrading makes those lines strict.
 */
export function stringForWrite(rules: readonly RedirectUriRule[]): { value: string } | { index: number; problem: string } {
  for (const [index, rule] of rules.entries()) {
    const problem =
      lineProblem(rule) ??
      (PYTHON_WHITESPACE.test(rule.url) ? 'its url contains whitespace, where authentik splits the string into URIs.' : undefined);
    if (problem) return { index, problem };
  }
  return { value: rules.map((rule) => rule.url).join('\n') };
}
