/**
 * RFC 6901 JSON Pointers: "" is the whole document, otherwise "/"-separated tokens with ~0 and ~1
 * escapes. Control characters never name a member of these resources and only serve to confuse
 * logs, so a pointer holding one is not accepted. Used by the gateway's patch checks and by the
 * sandbox's emulations alike.
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  if (/~[^01]|~$/.test(pointer)) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(pointer)) return undefined;
  const tokens = pointer.slice(1).split('/');
  return pointer.includes('~') ? tokens.map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~')) : tokens;
}
