/**
 * Redirect URI rules that are regular expressions (matched against the whole URL, as Python's
 * re.fullmatch does), read for one question: which hosts could a URL this pattern accepts send a
 * browser to? The answer errs towards "maybe": a security review must not miss an application
 * because its rule is a pattern, so whatever this reader cannot prove unreachable counts as
 * reachable.
 *
 * A URL's host is what follows "://" up to the first "/", "?", "#" or "\", after the last "@". A
 * pattern whose parts before and around the host can match one of those characters more than once
 * (".*", "[^/]+", "\S+") can be made to end the host early or to move it after an "@", so it reaches
 * any host: `https://.*\.example\.com/cb` accepts `https://evil.test#.example.com/cb`. Every other
 * pattern is tried against the host asked for, with each single character that could be such a
 * delimiter tried in each of its roles.
 */

/** One piece of a pattern: an atom and how often it repeats. */
interface Piece {
  atom: Atom;
  min: number;
  max: number;
}

type Atom =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'set'; source: string }
  | { kind: 'group'; alternatives: Piece[][] }
  | { kind: 'backref' };

interface Parsed {
  alternatives: Piece[][];
  flags: string;
}

class Unsupported extends Error {}

/** The characters that end a URL's authority (special schemes take "\" as "/"), and the one that starts its host over. */
const ENDS_AUTHORITY = ['/', '?', '#', '\\'];
const DELIMITERS = [...ENDS_AUTHORITY, '@'];
/** More single characters that may each play a delimiter than this, and the pattern counts as reaching any host. */
const MAX_SLOTS = 8;

/** Python `re` syntax (what a vendor whose redirect rules are regular expressions compiles them with), as far as such rules use it; anything else is Unsupported. */
function parse(pattern: string): Parsed {
  let at = 0;
  const flags = new Set<string>();

  const alternativesUntil = (inGroup: boolean): Piece[][] => {
    const alternatives: Piece[][] = [[]];
    for (;;) {
      const c = pattern[at];
      if (c === undefined) {
        if (inGroup) throw new Unsupported('unclosed group');
        return alternatives;
      }
      if (c === ')') {
        if (!inGroup) throw new Unsupported('unbalanced )');
        at += 1;
        return alternatives;
      }
      if (c === '|') {
        at += 1;
        alternatives.push([]);
        continue;
      }
      const atom = atomAt();
      const [min, max] = quantifier();
      if (atom) alternatives.at(-1)!.push({ atom, min, max });
    }
  };

  /** The next atom; undefined for what matches no character (anchors, lookarounds, flags, comments). */
  const atomAt = (): Atom | undefined => {
    const c = pattern[at]!;
    at += 1;
    switch (c) {
      case '.':
        return { kind: 'any' };
      case '^':
      case '$':
        return undefined;
      case '[':
        return { kind: 'set', source: setSource() };
      case '(':
        return groupAt();
      case '\\':
        return escapeAt();
      case '*':
      case '+':
      case '?':
        throw new Unsupported('nothing to repeat');
      default:
        return { kind: 'char', char: c };
    }
  };

  const setSource = (): string => {
    const start = at - 1;
    if (pattern[at] === '^') at += 1;
    // A "]" first in the set is one of its characters.
    if (pattern[at] === ']') at += 1;
    while (pattern[at] !== ']') {
      if (pattern[at] === undefined) throw new Unsupported('unclosed [');
      at += pattern[at] === '\\' ? 2 : 1;
    }
    at += 1;
    return pattern.slice(start, at);
  };

  const groupAt = (): Atom | undefined => {
    if (pattern[at] !== '?') return { kind: 'group', alternatives: alternativesUntil(true) };
    const rest = pattern.slice(at + 1);
    if (rest.startsWith(':')) {
      at += 2;
      return { kind: 'group', alternatives: alternativesUntil(true) };
    }
    const named = /^P?<([A-Za-z_]\w*)>/.exec(rest);
    if (named) {
      at += 1 + named[0].length;
      return { kind: 'group', alternatives: alternativesUntil(true) };
    }
    const lookaround = /^(?:=|!|<=|<!)/.exec(rest);
    if (lookaround) {
      // It matches no character: what it asserts only narrows the pattern, which "maybe" may ignore.
      at += 1 + lookaround[0].length;
      alternativesUntil(true);
      return undefined;
    }
    if (rest.startsWith('#')) {
      const end = pattern.indexOf(')', at);
      if (end === -1) throw new Unsupported('unclosed comment');
      at = end + 1;
      return undefined;
    }
    if (/^P=/.test(rest)) {
      const end = pattern.indexOf(')', at);
      if (end === -1) throw new Unsupported('unclosed backreference');
      at = end + 1;
      return { kind: 'backref' };
    }
    const flagGroup = /^([aiLmsux]*)(?:-([imsx]*))?([:)])/.exec(rest);
    if (flagGroup) {
      // Verbose patterns give whitespace and # a meaning this reader does not model.
      if (flagGroup[1]!.includes('x')) throw new Unsupported('verbose pattern');
      for (const flag of flagGroup[1]!) flags.add(flag);
      at += 1 + flagGroup[0].length;
      return flagGroup[3] === ':' ? { kind: 'group', alternatives: alternativesUntil(true) } : undefined;
    }
    throw new Unsupported('unknown group');
  };

  const escapeAt = (): Atom | undefined => {
    const e = pattern[at];
    if (e === undefined) throw new Unsupported('trailing \\');
    at += 1;
    if (/[1-9]/.test(e)) {
      while (/\d/.test(pattern[at] ?? '')) at += 1;
      return { kind: 'backref' };
    }
    if ('AZbB'.includes(e)) return undefined;
    if ('dwsDWS'.includes(e)) return { kind: 'set', source: `\\${e}` };
    const hex = { x: 2, u: 4, U: 8 }[e];
    if (hex !== undefined) {
      const digits = pattern.slice(at, at + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw new Unsupported('bad \\x escape');
      at += hex;
      return { kind: 'char', char: String.fromCodePoint(parseInt(digits, 16)) };
    }
    const control = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', '0': '\0' }[e];
    if (control !== undefined) return { kind: 'char', char: control };
    if (/[A-Za-z]/.test(e)) throw new Unsupported(`unknown escape \\${e}`);
    return { kind: 'char', char: e };
  };

  const quantifier = (): [number, number] => {
    const c = pattern[at];
    let bounds: [number, number] | undefined;
    if (c === '*') bounds = [0, Infinity];
    else if (c === '+') bounds = [1, Infinity];
    else if (c === '?') bounds = [0, 1];
    if (bounds) at += 1;
    else if (c === '{') {
      // As in Python, a "{" that does not start a repeat is the character itself.
      const repeat = /^\{(\d*)(,?)(\d*)\}/.exec(pattern.slice(at));
      if (!repeat || (repeat[1] === '' && repeat[2] === '')) return [1, 1];
      const min = repeat[1] === '' ? 0 : Number(repeat[1]);
      const max = repeat[2] === '' ? min : repeat[3] === '' ? Infinity : Number(repeat[3]);
      at += repeat[0].length;
      bounds = [min, max];
    }
    if (!bounds) return [1, 1];
    // Lazy and possessive repeats match no string a greedy one cannot.
    if (pattern[at] === '?' || pattern[at] === '+') at += 1;
    return bounds;
  };

  const alternatives = alternativesUntil(false);
  return { alternatives, flags: [...flags].filter((f) => f === 'i' || f === 's').join('') };
}

// ---- the pattern as a JavaScript RegExp ----

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

function quantified(source: string, { min, max }: Piece): string {
  if (min === 1 && max === 1) return source;
  if (min === 0 && max === Infinity) return `${source}*`;
  if (min === 1 && max === Infinity) return `${source}+`;
  if (min === 0 && max === 1) return `${source}?`;
  return `${source}{${min},${max === Infinity ? '' : max}}`;
}

function sourceOf(pieces: readonly Piece[]): string {
  return pieces.map((piece) => quantified(atomSource(piece.atom), piece)).join('');
}

function atomSource(atom: Atom): string {
  switch (atom.kind) {
    case 'char':
      return escapeChar(atom.char);
    case 'any':
      return '.';
    case 'set':
      return atom.source;
    case 'group':
      return `(?:${atom.alternatives.map(sourceOf).join('|')})`;
    case 'backref':
      // What the group matched: any text, for a reader that may only err towards "maybe".
      return '[^]*';
  }
}

function fullMatcher(pieces: readonly Piece[][], flags: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pieces.map(sourceOf).join('|')})$`, flags);
  } catch {
    return undefined;
  }
}

// ---- which characters a piece may match ----

function canMatch(piece: Piece, c: string, flags: string): boolean {
  return piece.max >= 1 && atomCanMatch(piece.atom, c, flags);
}

function atomCanMatch(atom: Atom, c: string, flags: string): boolean {
  switch (atom.kind) {
    case 'char':
      return atom.char === c || (flags.includes('i') && atom.char.toLowerCase() === c.toLowerCase());
    case 'any':
      return c !== '\n' || flags.includes('s');
    case 'set':
      try {
        return new RegExp(`^${atom.source}$`, flags).test(c);
      } catch {
        return true;
      }
    case 'group':
      return atom.alternatives.some((pieces) => pieces.some((piece) => canMatch(piece, c, flags)));
    case 'backref':
      return true;
  }
}

const isChar = (piece: Piece | undefined, c: string): boolean =>
  piece !== undefined && piece.atom.kind === 'char' && piece.atom.char === c && piece.min === 1 && piece.max === 1;

// ---- the hosts a pattern reaches ----

/** A host part of a pattern: the pieces an authority (host and port) must match. */
export interface Authority {
  pieces: Piece[];
  flags: string;
}

/**
 * The hosts a pattern's URLs can have: any host; or those of its literal URLs (alternatives without
 * any pattern in them, read as URLs are) and of its authorities.
 */
export type HostReach = { kind: 'any' } | { kind: 'some'; urls: string[]; authorities: Authority[] };

export interface Pattern {
  /** The whole-URL test, as the vendor runs it (a full match); undefined when this reader cannot build it (count it as a match). */
  matcher: RegExp | undefined;
  reach: HostReach;
}

/** Reads a redirect URI pattern once; the answer is kept for every filter that asks. */
export function readPattern(pattern: string): Pattern {
  let parsed: Parsed;
  try {
    parsed = parse(pattern);
  } catch {
    return { matcher: undefined, reach: { kind: 'any' } };
  }
  const matcher = fullMatcher(parsed.alternatives, parsed.flags);
  const reach: HostReach = { kind: 'some', urls: [], authorities: [] };
  for (const alternative of parsed.alternatives) {
    const part = reachOf(alternative, parsed.flags);
    if (part === 'any') return { matcher, reach: { kind: 'any' } };
    if (typeof part === 'string') reach.urls.push(part);
    else reach.authorities.push(...part);
  }
  return { matcher, reach };
}

const isLiteral = (piece: Piece): piece is Piece & { atom: { kind: 'char'; char: string } } =>
  piece.atom.kind === 'char' && piece.min === 1 && piece.max === 1;

/** One alternative: any host; a literal URL; or the authorities it may have. */
function reachOf(pieces: Piece[], flags: string): 'any' | string | Authority[] {
  if (pieces.every(isLiteral)) return pieces.map((piece) => piece.atom.char).join('');
  const separator = pieces.findIndex((_, i) => isChar(pieces[i], ':') && isChar(pieces[i + 1], '/') && isChar(pieces[i + 2], '/'));
  if (separator === -1) return 'any';
  if (pieces.slice(0, separator).some((piece) => ENDS_AUTHORITY.some((c) => canMatch(piece, c, flags)))) return 'any';

  const authority: Piece[] = [];
  for (const piece of pieces.slice(separator + 3)) {
    if (ENDS_AUTHORITY.some((c) => isChar(piece, c))) break;
    authority.push(piece);
  }

  // Each piece that may be a delimiter: one character at most (a slot, tried in each role), or any host.
  const slots: number[] = [];
  for (const [i, piece] of authority.entries()) {
    if (!DELIMITERS.some((c) => canMatch(piece, c, flags))) continue;
    const single = piece.max <= 1 && piece.atom.kind !== 'group' && piece.atom.kind !== 'backref';
    if (!single) return 'any';
    slots.push(i);
  }
  if (slots.length > MAX_SLOTS) return 'any';

  const ends = [authority.length, ...slots.filter((i) => ENDS_AUTHORITY.some((c) => canMatch(authority[i]!, c, flags)))];
  const userinfoEnds = [-1, ...slots.filter((i) => canMatch(authority[i]!, '@', flags))];
  const choices: Authority[] = [];
  for (const end of ends) {
    for (const userinfoEnd of userinfoEnds) {
      if (userinfoEnd >= end) continue;
      const host = authority.slice(userinfoEnd + 1, end);
      // A mandatory "@" left in the host would move the host after it: another choice covers that.
      if (host.some((piece) => isChar(piece, '@'))) continue;
      choices.push({ pieces: host, flags });
    }
  }
  return choices;
}

// ---- does a choice match the host asked for ----

export interface HostQuestion {
  /** The host forms to try: ASCII (punycode) and Unicode, each also with a trailing dot. */
  forms: readonly string[];
  /** ASCII and Unicode, without a trailing dot: for subdomain questions, what a host must end with after a ".". */
  suffixes: readonly string[];
  port?: number;
  subdomains: boolean;
}

/** Whether some authority the pieces match has the host (and port) asked for; "maybe" counts as yes. */
export function authorityReaches(choice: Authority, question: HostQuestion): boolean {
  const { pieces } = choice;
  const flags = choice.flags.includes('i') ? choice.flags : `${choice.flags}i`;
  if (question.subdomains) return suffixMayMatch(pieces, question.suffixes, flags);
  const matcher = fullMatcher([pieces], flags);
  if (!matcher) return true;
  const { port } = question;
  if (port !== undefined) {
    // The scheme is not known here: a default port (80, 443) may be the one left out.
    const candidates = question.forms.map((host) => `${host}:${port}`);
    if (port === 80 || port === 443) candidates.push(...question.forms);
    return candidates.some((candidate) => matcher.test(candidate));
  }
  if (question.forms.some((host) => matcher.test(host))) return true;
  // Any port: the host is what comes before a ":" one of the pieces may put there.
  return pieces.some((piece, i) => {
    if (!canMatch(piece, ':', flags)) return false;
    if (piece.max > 1) return true;
    const before = fullMatcher([pieces.slice(0, i)], flags);
    return before === undefined || question.forms.some((host) => before.test(host));
  });
}

/** Whether some host a choice matches may end with "." + a suffix: what its last literal characters allow. */
function suffixMayMatch(pieces: Piece[], suffixes: readonly string[], flags: string): boolean {
  let host = pieces;
  const colon = pieces.findLastIndex((piece) => isChar(piece, ':'));
  if (colon !== -1) host = pieces.slice(0, colon);
  else if (pieces.some((piece) => piece.atom.kind !== 'char' && canMatch(piece, ':', flags))) return true;
  let tail = '';
  for (let i = host.length - 1; i >= 0; i -= 1) {
    const piece = host[i]!;
    if (!isLiteral(piece)) break;
    tail = piece.atom.char + tail;
  }
  tail = tail.toLowerCase().replace(/\.$/, '');
  if (tail === '') return true;
  return suffixes.some((suffix) => {
    const under = `.${suffix}`;
    return tail.endsWith(under) || under.endsWith(tail);
  });
}
