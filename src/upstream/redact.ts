/** What an upstream's copy of the gateway's credential is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Shorter values would match ordinary words in a body, so none is searched for; no vendor issues a
 * credential this short, and the gateway sends none (isSendable in credentials.ts).
 */
export const MIN_CREDENTIAL_LENGTH = 8;

/**
 * Finds every copy of some credentials in text, however a vendor spelled it: as sent, with any
 * character JSON-escaped (`\u0042`, `\u002F`, `\/`, `\"`), percent-encoded in either case (once or
 * twice), or any mix of these character by character. A vendor that quotes the request back in an
 * error message (or stores it in a field) must not hand the gateway's credential, or a caller's, to
 * whoever reads the GraphQL response.
 */
export class Redactor {
  private readonly pattern: RegExp | undefined;
  private readonly searched: readonly string[];
  /** No spelling of a character is shorter than the character itself, so no shorter text holds a copy. */
  private readonly shortest: number;

  constructor(credentials: ReadonlyArray<string | undefined>) {
    const searched = [...new Set(credentials.filter((c): c is string => c !== undefined && c.length >= MIN_CREDENTIAL_LENGTH))];
    // Longest first, so a credential that contains another is replaced whole.
    searched.sort((a, b) => b.length - a.length);
    this.searched = searched;
    this.shortest = searched.length === 0 ? Infinity : searched[searched.length - 1]!.length;
    this.pattern = searched.length === 0 ? undefined : new RegExp(searched.map(spellings).join('|'), 'g');
  }

  /** True when there is nothing to search for, so callers can skip walking a document. */
  get idle(): boolean {
    return this.pattern === undefined;
  }

  /** `text` with every copy replaced by REDACTED. */
  text(text: string): string {
    if (!this.pattern || text.length < this.shortest || !this.mayHold(text)) return text;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text) ? text.replace(this.pattern, REDACTED) : text;
  }

  /**
   * Every spelling but the literal one has a backslash or a percent sign: text with neither holds a
   * copy only as sent, which a plain search finds far faster than the pattern (most strings in an
   * answer are short or free of both).
   */
  private mayHold(text: string): boolean {
    if (text.includes('\\') || text.includes('%')) return true;
    return this.searched.some((credential) => text.includes(credential));
  }
}

/** A regular expression source matching `credential` in every spelling described above. */
function spellings(credential: string): string {
  let source = '';
  for (const char of credential) source += `(?:${charSpellings(char).join('|')})`;
  return source;
}

// Escapes first: the literal form of "\\" would otherwise match the first half of its own JSON escape.
function charSpellings(char: string): string[] {
  const forms: string[] = [];
  const codePoint = char.codePointAt(0)!;
  // JSON's \u escapes: one for a character of the basic plane, a surrogate pair above it.
  const units = codePoint > 0xffff ? [char.charCodeAt(0), char.charCodeAt(1)] : [codePoint];
  forms.push(units.map((unit) => `\\\\u${anyCaseHex(unit.toString(16).padStart(4, '0'))}`).join(''));
  if (char === '/') forms.push('\\\\/');
  if (char === '"' || char === '\\') forms.push(`\\\\${escapeRegExp(char)}`);
  const short = JSON_SHORT_ESCAPES[char];
  if (short) forms.push(`\\\\${short}`);
  // Percent-encoding of the UTF-8 bytes, the % itself possibly encoded again (%252F).
  const bytes = [...Buffer.from(char, 'utf8')];
  forms.push(bytes.map((byte) => `%(?:25)?${anyCaseHex(byte.toString(16).padStart(2, '0'))}`).join(''));
  forms.push(escapeRegExp(char));
  return forms;
}

// JSON's two-character escapes of control characters, which a vendor may use instead of \u.
const JSON_SHORT_ESCAPES: Readonly<Record<string, string>> = { '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

function anyCaseHex(hex: string): string {
  return hex.replace(/[a-f]/gi, (digit) => `[${digit.toLowerCase()}${digit.toUpperCase()}]`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
