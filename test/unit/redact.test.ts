import { describe, expect, it } from 'vitest';
import { readAnswerBody } from '../../src/upstream/body.js';
import { REDACTED, Redactor } from '../../src/upstream/redact.js';

const TOKEN = 'idn-token-0123456789';
const redact = (text: string, credential: string | undefined) => new Redactor([credential]).text(text);

describe('Redactor.text', () => {
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
    ['the credential alone, nothing around it', TOKEN, TOKEN, REDACTED],
    ['text shorter than the credential', TOKEN.slice(1), TOKEN, TOKEN.slice(1)],
    // Values shorter than 8 characters would match ordinary words.
    ['7 characters are not searched for', 'the key abc1234 was refused', 'abc1234', 'the key abc1234 was refused'],
    ['8 characters are', 'the key abcd1234 was refused', 'abcd1234', `the key ${REDACTED} was refused`],
    ['an empty credential', 'anything', '', 'anything'],
    // JSON-escaped: a vendor that quotes the credential inside a JSON string.
    ['JSON-escaped quote', '{"m":"ab\\"cdefgh"}', 'ab"cdefgh', `{"m":"${REDACTED}"}`],
    ['JSON-escaped backslash inside', '{"m":"abc\\\\defgh"}', 'abc\\defgh', `{"m":"${REDACTED}"}`],
    ['JSON-escaped control character', '{"m":"abcd\\tefgh"}', 'abcd\tefgh', `{"m":"${REDACTED}"}`],
    ['JSON-escaped, beside a raw copy', 'ab"cdefgh {"m":"ab\\"cdefgh"}', 'ab"cdefgh', `${REDACTED} {"m":"${REDACTED}"}`],
    ['every character as \\u, lower-case hex', '{"m":"\\u0069\\u0064\\u006e-token-0123456789"}', TOKEN, `{"m":"${REDACTED}"}`],
    ['\\u with upper-case hex', '{"m":"key+with\\u002Fslash="}', 'key+with/slash=', `{"m":"${REDACTED}"}`],
    ['JSON "\\/"', '{"m":"key+with\\/slash="}', 'key+with/slash=', `{"m":"${REDACTED}"}`],
    ['JSON "\\u0026", as Go writes "&"', '{"m":"a\\u0026bcdefgh"}', 'a&bcdefgh', `{"m":"${REDACTED}"}`],
    // Percent-encoded: a vendor that quotes a URL or a form it was sent.
    ['percent-encoded', 'https://x/?token=key%2Bwith%2Fslash%3D', 'key+with/slash=', `https://x/?token=${REDACTED}`],
    ['percent-encoded in lower case', 'token=key%2bwith%2fslash%3d', 'key+with/slash=', `token=${REDACTED}`],
    ['percent-encoded, cases mixed', 'token=key%2bwith%2Fslash%3d', 'key+with/slash=', `token=${REDACTED}`],
    ['every character percent-encoded', 'k=%61%62%63%64%65%66%67%68', 'abcdefgh', `k=${REDACTED}`],
    ['percent-encoded twice', 'k=key%252Bwith%252Fslash%253D', 'key+with/slash=', `k=${REDACTED}`],
    ['percent-encoded and raw', 'key+with/slash= key%2Bwith%2Fslash%3D', 'key+with/slash=', `${REDACTED} ${REDACTED}`],
    ['percent-encoded non-ASCII', 'k=t%C3%B6ken-12345', 'töken-12345', `k=${REDACTED}`],
    ['a mix of \\u, percent and raw', '{"m":"\\u006bey%2bwith\\/slash\\u003D"}', 'key+with/slash=', `{"m":"${REDACTED}"}`],
    ['a credential that needs no encoding has one form', `a=${TOKEN}&b=${TOKEN}`, TOKEN, `a=${REDACTED}&b=${REDACTED}`],
  ])('%s', (_name, text, credential, want) => {
    expect(redact(text, credential)).toBe(want);
  });

  it('returns the same string when nothing is replaced', () => {
    const text = '{"name":"Demo"}';
    expect(redact(text, TOKEN)).toBe(text);
  });

  it('text shorter than the longer credential is still searched for the shorter one', () => {
    expect(new Redactor(['abcdefgh-longer', 'abcdefgh']).text('abcdefgh')).toBe(REDACTED);
    expect(new Redactor(['abcdefgh-longer', 'abcdefgh']).text('%61bcdefgh')).toBe(REDACTED);
  });

  it('a credential that contains another is replaced whole', () => {
    expect(new Redactor(['abcdefgh', 'abcdefgh-longer']).text('x abcdefgh-longer y')).toBe(`x ${REDACTED} y`);
  });

  // The raw text of a JSON answer stays JSON, whatever the credential starts or ends with.
  it.each<[string]>([['\\abcdefgh'], ['abcdefgh\\'], ['"abcdefgh']])('a JSON answer quoting %j stays JSON', (credential) => {
    const text = JSON.stringify({ message: `bad token ${credential}` });
    expect(JSON.parse(redact(text, credential))).toStrictEqual({ message: `bad token ${REDACTED}` });
  });
});

describe('readAnswerBody', () => {
  const read = (text: string | Uint8Array, credential?: string) =>
    readAnswerBody(typeof text === 'string' ? new TextEncoder().encode(text) : text, new Redactor([credential]));

  it.each<[string, string, unknown]>([
    ['a value', `{"m":"bad ${TOKEN}"}`, { m: `bad ${REDACTED}` }],
    ['a key', `{"${TOKEN}":["refused"]}`, { [REDACTED]: ['refused'] }],
    ['inside a list', `[{"a":["x","${TOKEN}"]}]`, [{ a: ['x', REDACTED] }]],
    ['the whole document', `"${TOKEN}"`, REDACTED],
    ['escaped so the raw text hides it', `{"m":"\\u0069dn-token-0123456789"}`, { m: REDACTED }],
  ])('redacts %s of the decoded JSON', (_name, text, want) => {
    expect(read(text, TOKEN)).toMatchObject({ json: want });
  });

  it.each<[string, Uint8Array]>([
    ['a lone continuation byte', Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d])],
    ['Latin-1 é', new Uint8Array(Buffer.from('{"a":"caf\u00e9"}', 'latin1'))],
    ['a truncated sequence', Uint8Array.from([0x22, 0xe2, 0x82, 0x22])],
  ])('refuses %s as not UTF-8', (_name, bytes) => {
    expect(read(bytes)).toStrictEqual({ text: '', json: undefined, problem: { kind: 'notUtf8' } });
  });

  it.each<[string, string, string | undefined]>([
    ['32 levels', `${'['.repeat(32)}${']'.repeat(32)}`, undefined],
    ['33 levels', `${'['.repeat(33)}${']'.repeat(33)}`, '[0][0][0]…'],
    ['a deep member', `{"a":{"b":${'{"c":'.repeat(40)}1${'}'.repeat(40)}}}`, 'a.b.c…'],
    ['two levels under the limit nothing is said', '{"a":{"b":[1]}}', undefined],
  ])('%s', (_name, text, path) => {
    const body = read(text);
    if (path === undefined) expect(body.problem).toBeUndefined();
    else expect(body).toMatchObject({ json: undefined, problem: { kind: 'tooDeep', path } });
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['blank', ' \n'],
    ['not JSON', '<html>'],
  ])('%s: no JSON, no problem', (_name, text) => {
    expect(read(text)).toStrictEqual({ text, json: undefined });
  });
});
