import { describe, expect, it } from 'vitest';
import { REDACTED, withoutCredential } from '../../src/upstream/redact.js';

const TOKEN = 'idn-token-0123456789';

describe('withoutCredential', () => {
  it.each<[string, string, string | undefined, string]>([
    ['no credential', `{"message":"${TOKEN}"}`, undefined, `{"message":"${TOKEN}"}`],
    ['no copy in the answer', '{"name":"Demo"}', TOKEN, '{"name":"Demo"}'],
    ['one copy', `{"message":"bad token ${TOKEN}"}`, TOKEN, `{"message":"bad token ${REDACTED}"}`],
    ['every copy', `${TOKEN} ${TOKEN},${TOKEN}`, TOKEN, `${REDACTED} ${REDACTED},${REDACTED}`],
    ['a copy inside a longer word', `x${TOKEN}y`, TOKEN, `x${REDACTED}y`],
    ['a copy in another case is not the credential', TOKEN.toUpperCase(), TOKEN, TOKEN.toUpperCase()],
    ['part of the credential is left', TOKEN.slice(0, -1), TOKEN, TOKEN.slice(0, -1)],
    ['"Bearer " stays, the token goes', `{"echo":"Bearer ${TOKEN}"}`, TOKEN, `{"echo":"Bearer ${REDACTED}"}`],
    ['an empty answer', '', TOKEN, ''],
    // Values shorter than 8 characters would match ordinary words.
    ['7 characters are not searched for', 'the key abc1234 was refused', 'abc1234', 'the key abc1234 was refused'],
    ['8 characters are', 'the key abcd1234 was refused', 'abcd1234', `the key ${REDACTED} was refused`],
    ['an empty credential', 'anything', '', 'anything'],
    // JSON-escaped: a vendor that quotes the credential inside a JSON string.
    ['JSON-escaped quote', '{"m":"ab\\"cdefgh"}', 'ab"cdefgh', `{"m":"${REDACTED}"}`],
    ['JSON-escaped backslash inside', '{"m":"abc\\\\defgh"}', 'abc\\defgh', `{"m":"${REDACTED}"}`],
    ['JSON-escaped control character', '{"m":"abcd\\tefgh"}', 'abcd\tefgh', `{"m":"${REDACTED}"}`],
    ['JSON-escaped, beside a raw copy', 'ab"cdefgh {"m":"ab\\"cdefgh"}', 'ab"cdefgh', `${REDACTED} {"m":"${REDACTED}"}`],
    // Percent-encoded: a vendor that quotes a URL or a form it was sent.
    ['percent-encoded', 'https://x/?token=key%2Bwith%2Fslash%3D', 'key+with/slash=', `https://x/?token=${REDACTED}`],
    ['percent-encoded and raw', 'key+with/slash= key%2Bwith%2Fslash%3D', 'key+with/slash=', `${REDACTED} ${REDACTED}`],
    ['percent-encoded non-ASCII', 'k=t%C3%B6ken-12345', 'töken-12345', `k=${REDACTED}`],
    ['a credential that needs no encoding has one form', `a=${TOKEN}&b=${TOKEN}`, TOKEN, `a=${REDACTED}&b=${REDACTED}`],
  ])('%s', (_name, text, credential, want) => {
    expect(withoutCredential(text, credential)).toBe(want);
  });

  it('returns the same string when nothing is replaced', () => {
    const text = '{"name":"Demo"}';
    expect(withoutCredential(text, TOKEN)).toBe(text);
  });

  // Bug: the raw form is replaced first; when it is a substring of the JSON-escaped form (a credential that starts with
  // `"` or `\`, or ends with `\`), the escape's leading backslash is left behind and the answer is no longer JSON.
  it.fails.each<[string]>([['\\abcdefgh'], ['abcdefgh\\'], ['"abcdefgh']])('a JSON answer quoting %j stays JSON', (credential) => {
    const text = JSON.stringify({ message: `bad token ${credential}` });
    expect(JSON.parse(withoutCredential(text, credential))).toStrictEqual({ message: `bad token ${REDACTED}` });
  });

  // Gaps: equivalent encodings the search does not know. Lower-case percent escapes (RFC 3986 calls them equivalent),
  // and JSON's optional escapes: `\/`, and `\u0026` for "&" as Go's encoding/json writes it.
  it.fails.each<[string, string, string, string]>([
    ['lower-case percent escapes', 'token=key%2bwith%2fslash%3d', 'key+with/slash=', `token=${REDACTED}`],
    ['JSON "\\/"', '{"m":"key+with\\/slash="}', 'key+with/slash=', `{"m":"${REDACTED}"}`],
    ['JSON "\\u0026"', '{"m":"a\\u0026bcdefgh"}', 'a&bcdefgh', `{"m":"${REDACTED}"}`],
  ])('%s', (_name, text, credential, want) => {
    expect(withoutCredential(text, credential)).toBe(want);
  });
});
