/** What an upstream's copy of the gateway's credential is replaced with. */
export const REDACTED = '[REDACTED]';

// Shorter values would match ordinary words in a body; no vendor issues a credential this short.
const MIN_CREDENTIAL_LENGTH = 8;

/**
 * An upstream answer with every copy of the credential it was sent replaced by REDACTED: as sent, as
 * a JSON string escapes it, and percent-encoded. A vendor that quotes the request back in an error
 * message (or stores it in a field) must not hand the gateway's credential, or a caller's, to
 * whoever reads the GraphQL response. The search runs on every answer; a replacement only when a
 * copy is there.
 */
export function withoutCredential(text: string, credential: string | undefined): string {
  if (credential === undefined || credential.length < MIN_CREDENTIAL_LENGTH) return text;
  let result = text;
  for (const form of new Set([credential, JSON.stringify(credential).slice(1, -1), encodeURIComponent(credential)])) {
    if (result.includes(form)) result = result.replaceAll(form, REDACTED);
  }
  return result;
}
