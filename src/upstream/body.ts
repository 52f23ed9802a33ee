import type { Redactor } from './redact.js';

/**
 * Deeper JSON than this is never a field of an OAuth resource (the deepest, a JWKS inside a
 * paginated list of sources, is about six levels), and deeper still would cost recursion in
 * everything that reads it after the gateway: the executor, the serializer, a client.
 */
export const MAX_ANSWER_DEPTH = 32;

/** An upstream answer's body, decoded. */
export interface AnswerBody {
  /** The text, with every copy of a credential redacted. '' when it was not UTF-8. */
  text: string;
  /** The parsed JSON, redacted in every string and key; undefined when empty, not JSON, or refused. */
  json: unknown;
  /** Why the body cannot be used even though it arrived whole. */
  problem?: BodyProblem;
}

export type BodyProblem = { kind: 'notUtf8' } | { kind: 'tooDeep'; path: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an answer strictly: bytes that are not UTF-8 are refused rather than becoming U+FFFD in
 * data, JSON nested past MAX_ANSWER_DEPTH is refused naming where, and every credential the
 * redactor knows is replaced in the decoded strings (where JSON escapes no longer hide it) and in
 * the raw text (for bodies that are not JSON).
 */
export function readAnswerBody(bytes: Uint8Array, redactor: Redactor): AnswerBody {
  let raw: string;
  try {
    raw = utf8.decode(bytes);
  } catch {
    return { text: '', json: undefined, problem: { kind: 'notUtf8' } };
  }
  const text = redactor.text(raw);
  if (raw.trim() === '') return { text, json: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { text, json: undefined };
  }
  if (typeof parsed === 'string') return { text, json: redactor.text(parsed) };
  const tooDeep = redactInPlace(parsed, redactor);
  if (tooDeep !== undefined) return { text, json: undefined, problem: { kind: 'tooDeep', path: tooDeep } };
  return { text, json: parsed };
}

interface Frame {
  /** The container being rebuilt (or the original, when nothing in it changes). */
  source: unknown[] | Record<string, unknown>;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

/**
 * Redacts every string and key of a just-parsed document in place (it belongs to no one else yet),
 * and returns where it first nests past MAX_ANSWER_DEPTH, if it does. Iterative, so no document can
 * exhaust the stack here.
 */
function redactInPlace(document: unknown, redactor: Redactor): string | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const stack: Frame[] = [{ source: document as Frame['source'], depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > MAX_ANSWER_DEPTH) return pathOf(frame);
    const { source } = frame;
    if (Array.isArray(source)) {
      for (let i = 0; i < source.length; i += 1) {
        const item: unknown = source[i];
        if (typeof item === 'string') source[i] = redactor.text(item);
        else if (typeof item === 'object' && item !== null)
          stack.push({ source: item as Frame['source'], depth: frame.depth + 1, parent: frame, key: i });
      }
      continue;
    }
    for (const key of Object.keys(source)) {
      const value = source[key];
      const clean = redactor.idle ? key : redactor.text(key);
      if (clean !== key) {
        delete source[key];
        source[clean] = value;
      }
      if (typeof value === 'string') {
        const redacted = redactor.text(value);
        if (redacted !== value) source[clean] = redacted;
      } else if (typeof value === 'object' && value !== null)
        stack.push({ source: value as Frame['source'], depth: frame.depth + 1, parent: frame, key: clean });
    }
  }
  return undefined;
}

// Enough of a path to name the field (`results[0].oidc_jwks`), not the whole descent.
const PATH_SEGMENTS = 3;

/** Where a container sits, from the document's root: `results[0].oidc_jwks…`. */
function pathOf(frame: Frame): string {
  const segments: Array<string | number> = [];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) segments.unshift(at.key);
  const shown = segments
    .slice(0, PATH_SEGMENTS)
    .reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`), '');
  return segments.length > PATH_SEGMENTS ? `${shown}…` : shown;
}
