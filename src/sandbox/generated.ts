import { createHash } from 'node:crypto';

/**
 * What the emulations need to seed generated OAuth applications (SANDBOX_EXTRA_APPLICATIONS): stable
 * ids, names and redirect URLs, the same at every start. The redirect URLs are spread over hosts a
 * host filter must get right: letters in upper case, an IDN in Unicode and in punycode (the same
 * host), a port, a trailing dot.
 */

export const GENERATED_REDIRECT_HOSTS = [
  'apps.example.com',
  'Portal.Example.COM',
  'bücher.example',
  'xn--bcher-kva.example',
  'intranet.example.net:8443',
  'legacy.example.org.',
  'sso.corp.example.com',
] as const;

/** The n-th generated redirect URL (n from 1). */
export function generatedRedirectUrl(n: number): string {
  return `https://${GENERATED_REDIRECT_HOSTS[n % GENERATED_REDIRECT_HOSTS.length]}/callback/${n}`;
}

/** 32 hex digits that are the same for the same `seed` at every start. */
export function stableHex(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

/** A UUID (version 4 in form) that is the same for the same `seed` at every start. */
export function stableUuid(seed: string): string {
  const hex = stableHex(seed);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** "0007" for 7: generated names sort as they were made. */
export function ordinal(n: number): string {
  return String(n).padStart(4, '0');
}

/** 1 … count. */
export function upTo(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}
