import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/errors.js';
import { checkPatch, rehearsePatch, type PatchOperation, type PatchRules } from '../../src/json-patch.js';
import { parsePointer } from '../../src/json-pointer.js';
import { PATCH_RULES as IDN } from '../../src/services/identitynow/spec.js';
import { PATCH_RULES as LD } from '../../src/services/launchdarkly/spec.js';

const MAX_OPS = 100;

// A table of our own, for what the vendors' tables cannot show: a removable list, a nested list.
const RULES: PatchRules = {
  vendor: 'Testvendor',
  fields: {
    name: { schema: { type: 'string' } },
    tags: { schema: { type: 'array', items: { type: 'string' } }, removable: true },
    tagsMore: { schema: { type: 'array', items: { type: 'string' } } },
    labels: { schema: { type: 'array', items: { type: 'string' } }, removable: true },
    counts: { schema: { type: 'array', items: { type: 'integer' } }, removable: true },
    matrix: { schema: { type: 'array', items: { type: 'array', items: { type: 'integer' } } } },
    mode: { schema: { type: 'enum', values: ['a', 'b'] }, removable: true },
    modes: { schema: { type: 'array', items: { type: 'enum', values: ['a', 'b', 'c'] } } },
  },
};

const NOT_A_POINTER = (p: string) =>
  `"${p}" is not a JSON Pointer (RFC 6901): it must start with "/" and escape "~" as "~0" and "/" as "~1".`;
const IDN_PATCHABLE =
  'Patchable: /tenant, /businessName, /homepageUrl, /name, /description, /accessTokenValiditySeconds, ' +
  '/refreshTokenValiditySeconds, /redirectUris, /grantTypes, /accessType, /enabled, /strongAuthSupported, /claimsSupported.';
const LD_PATCHABLE = 'Patchable: /name, /description, /redirectUri.';
const RULES_PATCHABLE = 'Patchable: /name, /tags, /tagsMore, /labels, /counts, /matrix, /mode, /modes.';

function refusal(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('the patch was accepted');
}

function fieldErrors(ops: PatchOperation[], rules: PatchRules = IDN, maxOps = MAX_OPS): FieldError[] | undefined {
  const error = refusal(() => checkPatch(ops, rules, maxOps));
  expect(error.extensions.code).toBe('BAD_USER_INPUT');
  return error.extensions.fieldErrors;
}

describe('parsePointer', () => {
  it.each<[string, string[] | undefined]>([
    ['', []],
    ['/', ['']],
    ['//', ['', '']],
    ['/a', ['a']],
    ['/a/', ['a', '']],
    ['/a/b/c', ['a', 'b', 'c']],
    ['/redirectUris/0', ['redirectUris', '0']],
    ['/redirectUris/-', ['redirectUris', '-']],
    ['/a~1b', ['a/b']],
    ['/a~0b', ['a~b']],
    ['/~01', ['~1']], // ~1 is unescaped first, so ~01 is "~1", not "/"
    ['/~10', ['/0']],
    ['/~0~1', ['~/']],
    ['/~1/~0', ['/', '~']],
    ['/ a', [' a']],
    ['/é😀', ['é😀']],
    ['/%2F', ['%2F']],
    ['a', undefined],
    ['a/b', undefined],
    ['#/a', undefined],
    [' /a', undefined],
    ['/a~', undefined],
    ['/~', undefined],
    ['/a~2', undefined],
    ['/~a', undefined],
    ['/a~~0', undefined],
    ['/a~/b', undefined],
    ['/a\u0000', undefined],
    ['/a\nb', undefined],
    ['/a\tb', undefined],
    ['/a\u001f', undefined],
    ['/a\u007f', undefined],
  ])('%j → %j', (pointer, tokens) => {
    expect(parsePointer(pointer)).toStrictEqual(tokens);
  });
});

describe('checkPatch: the patch as a whole', () => {
  it('an empty patch', () => {
    const error = refusal(() => checkPatch([], IDN, MAX_OPS));
    expect(error.message).toBe('Invalid input: ops: A patch needs at least one operation.');
    expect(error.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ field: 'ops', messages: ['A patch needs at least one operation.'] }],
    });
  });

  it.each<[max: number, count: number, accepted: boolean]>([
    [1, 1, true],
    [1, 2, false],
    [3, 3, true],
    [3, 4, false],
    [100, 101, false],
  ])('maxOps %i with %i operations: accepted %s', (max, count, accepted) => {
    const ops = Array.from({ length: count }, (): PatchOperation => ({ op: 'replace', path: '/enabled', value: true }));
    if (accepted) {
      expect(checkPatch(ops, IDN, max)).toHaveLength(count);
      return;
    }
    const message = `A patch may have at most ${max} operations; this one has ${count}.`;
    expect(fieldErrors(ops, IDN, max)).toStrictEqual([{ field: 'ops', messages: [message] }]);
  });

  it('too many operations is reported alone, before any operation is looked at', () => {
    const ops: PatchOperation[] = [
      { op: 'add', path: 'bad' },
      { op: 'remove', path: '/id' },
    ];
    const message = 'A patch may have at most 1 operations; this one has 2.';
    expect(fieldErrors(ops, IDN, 1)).toStrictEqual([{ field: 'ops', messages: [message] }]);
  });

  it('every bad operation is reported, with its index and member', () => {
    const ops: PatchOperation[] = [
      { op: 'replace', path: '/enabled', value: false },
      { op: 'replace', path: '/id', value: 'x' },
      { op: 'add', path: '/redirectUris/-', value: 'https://ok' },
      { op: 'replace', path: '/accessTokenValiditySeconds', value: 'long' },
      { op: 'copy', path: '/name' },
    ];
    const error = refusal(() => checkPatch(ops, IDN, MAX_OPS));
    expect(error.message).toBe('Invalid input in 3 fields: ops[1].path, ops[3].value, ops[4].from');
    expect(error.extensions.fieldErrors).toStrictEqual([
      { field: 'ops[1].path', messages: [`/id is not patchable on IdentityNow. ${IDN_PATCHABLE}`] },
      { field: 'ops[3].value', messages: ['/accessTokenValiditySeconds: must be an integer.'] },
      { field: 'ops[4].from', messages: ['COPY needs a from pointer.'] },
    ]);
  });

  it('one bad operation: the message quotes it', () => {
    const error = refusal(() => checkPatch([{ op: 'remove', path: '/name' }], LD, MAX_OPS));
    expect(error.message).toBe('Invalid input: ops[0].path: name is required by LaunchDarkly and cannot be removed; replace it instead.');
  });

  it('argName names the fields', () => {
    expect(refusal(() => checkPatch([], IDN, MAX_OPS, 'patch')).extensions.fieldErrors).toStrictEqual([
      { field: 'patch', messages: ['A patch needs at least one operation.'] },
    ]);
    const ops: PatchOperation[] = [
      { op: 'replace', path: '/enabled', value: true },
      { op: 'test', path: '/name' },
    ];
    const error = refusal(() => checkPatch(ops, IDN, MAX_OPS, 'patch'));
    expect(error.extensions.fieldErrors).toStrictEqual([{ field: 'patch[1].value', messages: ['TEST needs a value.'] }]);
  });

  it('returns the operations as the upstream gets them: only the members each op uses', () => {
    const ops = [
      { op: 'add', path: '/redirectUris/-', value: 'https://a', from: '/ignored' },
      { op: 'remove', path: '/redirectUris/0', value: 'ignored', from: '/ignored' },
      { op: 'replace', path: '/description', value: null },
      { op: 'move', from: '/redirectUris/1', path: '/redirectUris/0', value: 'ignored' },
      { op: 'copy', from: '/redirectUris/0', path: '/redirectUris/-', value: 'ignored' },
      { op: 'test', path: '/enabled', value: false, from: '/ignored' },
    ] as PatchOperation[];
    expect(checkPatch(ops, IDN, MAX_OPS)).toStrictEqual([
      { op: 'add', path: '/redirectUris/-', value: 'https://a' },
      { op: 'remove', path: '/redirectUris/0' },
      { op: 'replace', path: '/description', value: null },
      { op: 'move', from: '/redirectUris/1', path: '/redirectUris/0' },
      { op: 'copy', from: '/redirectUris/0', path: '/redirectUris/-' },
      { op: 'test', path: '/enabled', value: false },
    ]);
  });
});

describe('checkPatch: path pointers', () => {
  const long = 'x'.repeat(70);
  it.each<[string, PatchRules, string, string]>([
    ['not starting with /', IDN, 'name', NOT_A_POINTER('name')],
    ['a bad escape', IDN, '/name~2', NOT_A_POINTER('/name~2')],
    ['a trailing ~', IDN, '/name~', NOT_A_POINTER('/name~')],
    ['a control character', IDN, '/name\n', NOT_A_POINTER('/name\n')],
    ['a URI fragment', IDN, '#/name', NOT_A_POINTER('#/name')],
    ['a long bad pointer is cut at 57 characters', IDN, long, NOT_A_POINTER(`${'x'.repeat(57)}...`)],
    ['the whole document', IDN, '', 'The whole document cannot be patched; name a field.'],
    ['"/" names the member ""', IDN, '/', `/ is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['a read-only member', IDN, '/id', `/id is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['a secret', IDN, '/secret', `/secret is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['a member in another case', IDN, '/Name', `/Name is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['an escaped name is shown unescaped', IDN, '/a~1b', `/a/b is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['__proto__', IDN, '/__proto__', `/__proto__ is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['constructor', IDN, '/constructor', `/constructor is not patchable on IdentityNow. ${IDN_PATCHABLE}`],
    ['toString', LD, '/toString', `/toString is not patchable on LaunchDarkly. ${LD_PATCHABLE}`],
    ['a long member name is cut', LD, `/${long}`, `/${'x'.repeat(57)}... is not patchable on LaunchDarkly. ${LD_PATCHABLE}`],
    ["LaunchDarkly's read-only _clientId", LD, '/_clientId', `/_clientId is not patchable on LaunchDarkly. ${LD_PATCHABLE}`],
    ['inside a string', IDN, '/name/first', '/name/first points inside name, which has no such member.'],
    ['inside a string, by "-"', IDN, '/name/-', '/name/- points inside name, which has no such member.'],
    ['inside a boolean', IDN, '/enabled/0', '/enabled/0 points inside enabled, which has no such member.'],
    ['inside an element', IDN, '/redirectUris/0/host', '/redirectUris/0/host points inside redirectUris, which has no such member.'],
    ['inside an element of a nested list', RULES, '/matrix/0/1', '/matrix/0/1 points inside matrix, which has no such member.'],
    ['a leading zero', IDN, '/redirectUris/01', '"01" is not an array index of redirectUris.'],
    ['a negative index', IDN, '/redirectUris/-1', '"-1" is not an array index of redirectUris.'],
    ['a name as index', IDN, '/redirectUris/first', '"first" is not an array index of redirectUris.'],
    ['an empty index', IDN, '/redirectUris/', '"" is not an array index of redirectUris.'],
    ['ten digits', IDN, '/redirectUris/1000000000', '"1000000000" is not an array index of redirectUris.'],
    ['an index with a space', IDN, '/redirectUris/ 1', '" 1" is not an array index of redirectUris.'],
  ])('%s', (_name, rules, path, message) => {
    expect(fieldErrors([{ op: 'replace', path, value: 'x' }], rules)).toStrictEqual([{ field: 'ops[0].path', messages: [message] }]);
  });

  it.each<[string]>([['/redirectUris/0'], ['/redirectUris/9'], ['/redirectUris/999999999'], ['/name'], ['/grantTypes/2']])(
    '%s is a patchable target',
    (path) => {
      const value = path.startsWith('/grantTypes') ? 'REFRESH_TOKEN' : 'x';
      expect(checkPatch([{ op: 'replace', path, value }], IDN, MAX_OPS)).toStrictEqual([{ op: 'replace', path, value }]);
    },
  );
});

describe('checkPatch: each op kind', () => {
  type Row = [name: string, rules: PatchRules, op: PatchOperation, problem: { field: string; message: string } | undefined];
  const ok = undefined;
  const at = (field: string, message: string) => ({ field: `ops[0].${field}`, message });
  it.each<Row>([
    // ADD, REPLACE, TEST need a value that fits the target.
    ['ADD without value', IDN, { op: 'add', path: '/name' }, at('value', 'ADD needs a value.')],
    ['REPLACE without value', IDN, { op: 'replace', path: '/name' }, at('value', 'REPLACE needs a value.')],
    ['TEST without value', IDN, { op: 'test', path: '/name' }, at('value', 'TEST needs a value.')],
    ['ADD with value undefined', IDN, { op: 'add', path: '/name', value: undefined }, at('value', 'ADD needs a value.')],
    ['REPLACE null on a nullable member', IDN, { op: 'replace', path: '/description', value: null }, ok],
    ['REPLACE null on a required member', IDN, { op: 'replace', path: '/name', value: null }, at('value', '/name: may not be null.')],
    ['TEST null on a required member', IDN, { op: 'test', path: '/name', value: null }, at('value', '/name: may not be null.')],
    ['REPLACE a string with a number', IDN, { op: 'replace', path: '/name', value: 5 }, at('value', '/name: must be a string.')],
    [
      'REPLACE a boolean with a string',
      IDN,
      { op: 'replace', path: '/enabled', value: 'false' },
      at('value', '/enabled: must be a boolean.'),
    ],
    [
      'REPLACE an int32 over its range',
      IDN,
      { op: 'replace', path: '/accessTokenValiditySeconds', value: 2 ** 31 },
      at('value', '/accessTokenValiditySeconds: must be at most 2147483647.'),
    ],
    ['REPLACE an enum', IDN, { op: 'replace', path: '/accessType', value: 'ONLINE' }, ok],
    [
      'REPLACE an enum with another value',
      IDN,
      { op: 'replace', path: '/accessType', value: 'online' },
      at('value', '/accessType: must be one of ONLINE, OFFLINE.'),
    ],
    ['REPLACE a list', IDN, { op: 'replace', path: '/redirectUris', value: ['https://a', 'https://b'] }, ok],
    [
      'REPLACE a list with a bad item',
      IDN,
      { op: 'replace', path: '/redirectUris', value: ['https://a', 3] },
      at('value', '/redirectUris: item 1 must be a string.'),
    ],
    [
      'REPLACE a list with a string',
      IDN,
      { op: 'replace', path: '/redirectUris', value: 'https://a' },
      at('value', '/redirectUris: must be a list.'),
    ],
    ['REPLACE a nullable list with null', IDN, { op: 'replace', path: '/redirectUris', value: null }, ok],
    [
      'REPLACE a list that is not nullable with null',
      IDN,
      { op: 'replace', path: '/grantTypes', value: null },
      at('value', '/grantTypes: may not be null.'),
    ],
    [
      'ADD an element is checked against the items',
      IDN,
      { op: 'add', path: '/grantTypes/0', value: 'PASSWORD' },
      at('value', '/grantTypes/0: must be one of CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN.'),
    ],
    ['ADD an element at the end', IDN, { op: 'add', path: '/redirectUris/-', value: 'https://c' }, ok],
    [
      'ADD a bad element at the end',
      IDN,
      { op: 'add', path: '/redirectUris/-', value: 5 },
      at('value', '/redirectUris/-: must be a string.'),
    ],
    ['ADD null as an element', IDN, { op: 'add', path: '/redirectUris/-', value: null }, at('value', '/redirectUris/-: may not be null.')],
    ['ADD a list as an element of a nested list', RULES, { op: 'add', path: '/matrix/-', value: [1, 2] }, ok],
    [
      'ADD a bad list as an element of a nested list',
      RULES,
      { op: 'add', path: '/matrix/0', value: [1, 'x'] },
      at('value', '/matrix/0: item 1 must be an integer.'),
    ],
    ['ADD a whole member', LD, { op: 'add', path: '/description', value: 'Reads flags' }, ok],
    // "-" is the position after the last element: ADD only.
    [
      'REPLACE at "-"',
      IDN,
      { op: 'replace', path: '/redirectUris/-', value: 'x' },
      at('path', '"-" names a position after the last element; REPLACE needs an existing element.'),
    ],
    [
      'TEST at "-"',
      IDN,
      { op: 'test', path: '/redirectUris/-', value: 'x' },
      at('path', '"-" names a position after the last element; TEST needs an existing element.'),
    ],
    [
      'REPLACE at "-" without value: the value first',
      IDN,
      { op: 'replace', path: '/redirectUris/-' },
      at('value', 'REPLACE needs a value.'),
    ],
    [
      'REPLACE at "-" with a bad value: the position first',
      IDN,
      { op: 'replace', path: '/redirectUris/-', value: 1 },
      at('path', '"-" names a position after the last element; REPLACE needs an existing element.'),
    ],
    // REMOVE: only members the vendor does not require, or elements.
    [
      'REMOVE a required member',
      IDN,
      { op: 'remove', path: '/name' },
      at('path', 'name is required by IdentityNow and cannot be removed; replace it instead.'),
    ],
    [
      'REMOVE a nullable member that is not removable',
      IDN,
      { op: 'remove', path: '/description' },
      at('path', 'description is required by IdentityNow and cannot be removed; replace it instead.'),
    ],
    ['REMOVE a removable member', LD, { op: 'remove', path: '/description' }, ok],
    [
      'REMOVE a required LaunchDarkly member',
      LD,
      { op: 'remove', path: '/redirectUri' },
      at('path', 'redirectUri is required by LaunchDarkly and cannot be removed; replace it instead.'),
    ],
    ['REMOVE an element', IDN, { op: 'remove', path: '/redirectUris/0' }, ok],
    ['REMOVE an element of a required list', IDN, { op: 'remove', path: '/grantTypes/1' }, ok],
    ['REMOVE "-"', IDN, { op: 'remove', path: '/redirectUris/-' }, at('path', '"-" cannot be removed; name an element index.')],
    [
      'REMOVE a member that is not patchable',
      LD,
      { op: 'remove', path: '/_clientId' },
      at('path', `/_clientId is not patchable on LaunchDarkly. ${LD_PATCHABLE}`),
    ],
    // MOVE and COPY: a from pointer naming something that exists, of the same type as the target.
    ['MOVE without from', LD, { op: 'move', path: '/name' }, at('from', 'MOVE needs a from pointer.')],
    ['COPY without from', LD, { op: 'copy', path: '/name' }, at('from', 'COPY needs a from pointer.')],
    ['COPY with from null', LD, { op: 'copy', path: '/name', from: null as unknown as string }, at('from', 'COPY needs a from pointer.')],
    ['MOVE with a bad path: the path first', LD, { op: 'move', path: 'name' }, at('path', NOT_A_POINTER('name'))],
    ['MOVE from a bad pointer', LD, { op: 'move', from: 'description', path: '/name' }, at('from', NOT_A_POINTER('description'))],
    [
      'COPY from the whole document',
      LD,
      { op: 'copy', from: '', path: '/name' },
      at('from', 'The whole document cannot be patched; name a field.'),
    ],
    [
      'COPY from a member that is not patchable',
      LD,
      { op: 'copy', from: '/_clientId', path: '/name' },
      at('from', `/_clientId is not patchable on LaunchDarkly. ${LD_PATCHABLE}`),
    ],
    [
      'MOVE from "-"',
      IDN,
      { op: 'move', from: '/redirectUris/-', path: '/redirectUris/0' },
      at('from', '"-" does not name an existing element.'),
    ],
    [
      'COPY from "-"',
      IDN,
      { op: 'copy', from: '/redirectUris/-', path: '/redirectUris/0' },
      at('from', '"-" does not name an existing element.'),
    ],
    [
      'MOVE a required member away',
      IDN,
      { op: 'move', from: '/name', path: '/description' },
      at('from', 'name is required by IdentityNow and cannot be moved away.'),
    ],
    ['COPY a required member', IDN, { op: 'copy', from: '/name', path: '/description' }, ok],
    ['MOVE a removable member', LD, { op: 'move', from: '/description', path: '/name' }, ok],
    ['MOVE a member onto itself', LD, { op: 'move', from: '/description', path: '/description' }, ok],
    ['MOVE an element within its list', IDN, { op: 'move', from: '/redirectUris/1', path: '/redirectUris/0' }, ok],
    ['MOVE an element to the end', IDN, { op: 'move', from: '/redirectUris/0', path: '/redirectUris/-' }, ok],
    ['MOVE an element out to a member', IDN, { op: 'move', from: '/redirectUris/0', path: '/name' }, ok],
    ['COPY a member into a list', IDN, { op: 'copy', from: '/name', path: '/redirectUris/-' }, ok],
    [
      'MOVE a list into its own element',
      RULES,
      { op: 'move', from: '/tags', path: '/tags/0' },
      at('path', 'A value cannot be moved into one of its own children.'),
    ],
    [
      'MOVE a list to its own end',
      RULES,
      { op: 'move', from: '/tags', path: '/tags/-' },
      at('path', 'A value cannot be moved into one of its own children.'),
    ],
    ['MOVE a list to a member whose name only starts like it', RULES, { op: 'move', from: '/tags', path: '/tagsMore' }, ok],
    [
      'MOVE a list to a member that is not patchable',
      RULES,
      { op: 'move', from: '/tags', path: '/tagsX' },
      at('path', `/tagsX is not patchable on Testvendor. ${RULES_PATCHABLE}`),
    ],
    ['MOVE a list onto another list', RULES, { op: 'move', from: '/tags', path: '/labels' }, ok],
    [
      'COPY a list into its own element: strings are not lists',
      RULES,
      { op: 'copy', from: '/tags', path: '/tags/0' },
      at('from', '/tags and /tags/0 hold different types of value.'),
    ],
    [
      'COPY a string into a boolean',
      IDN,
      { op: 'copy', from: '/name', path: '/enabled' },
      at('from', '/name and /enabled hold different types of value.'),
    ],
    ['COPY an int into an int', IDN, { op: 'copy', from: '/accessTokenValiditySeconds', path: '/refreshTokenValiditySeconds' }, ok],
    [
      'COPY an element into an enum: string vs enum',
      IDN,
      { op: 'copy', from: '/redirectUris/0', path: '/accessType' },
      at('from', '/redirectUris/0 and /accessType hold different types of value.'),
    ],
    [
      'COPY an enum into a list of another enum',
      IDN,
      { op: 'copy', from: '/accessType', path: '/grantTypes/-' },
      at('from', '/accessType and /grantTypes/- hold different types of value.'),
    ],
    [
      'COPY a list of strings onto a list of enums',
      IDN,
      { op: 'copy', from: '/redirectUris', path: '/grantTypes' },
      at('from', '/redirectUris and /grantTypes hold different types of value.'),
    ],
    [
      'COPY lists of different item types',
      RULES,
      { op: 'copy', from: '/tags', path: '/counts' },
      at('from', '/tags and /counts hold different types of value.'),
    ],
    ['MOVE an enum into a wider enum', RULES, { op: 'move', from: '/mode', path: '/modes/0' }, ok],
    [
      'MOVE an element of a wider enum into a narrower one',
      RULES,
      { op: 'move', from: '/modes/0', path: '/mode' },
      at('from', '/modes/0 and /mode hold different types of value.'),
    ],
    ['COPY a nested list element onto a list', RULES, { op: 'copy', from: '/matrix/0', path: '/counts' }, ok],
  ])('%s', (_name, rules, op, problem) => {
    if (problem === undefined) {
      expect(checkPatch([op], rules, MAX_OPS)).toHaveLength(1);
      return;
    }
    expect(fieldErrors([op], rules)).toStrictEqual([{ field: problem.field, messages: [problem.message] }]);
  });
});

describe('rehearsePatch', () => {
  const current = () => ({ name: 'Demo', description: null, redirectUris: ['https://a', 'https://b'], enabled: true });

  it.each<[string, PatchOperation[]]>([
    ['a passing TEST', [{ op: 'test', path: '/name', value: 'Demo' }]],
    ['TEST null', [{ op: 'test', path: '/description', value: null }]],
    ['TEST a whole list', [{ op: 'test', path: '/redirectUris', value: ['https://a', 'https://b'] }]],
    [
      'TEST after an earlier op of the same patch',
      [
        { op: 'remove', path: '/redirectUris/0' },
        { op: 'test', path: '/redirectUris/0', value: 'https://b' },
      ],
    ],
    ['ADD at the end by index', [{ op: 'add', path: '/redirectUris/2', value: 'https://c' }]],
  ])('%s: no error, and the resource is not changed', (_name, ops) => {
    const document = current();
    expect(() => rehearsePatch(document, ops)).not.toThrow();
    expect(document).toStrictEqual(current());
  });

  it.each<[string, PatchOperation[], number, string]>([
    ['a TEST that fails', [{ op: 'test', path: '/enabled', value: false }], 0, '/enabled'],
    [
      'the second TEST fails',
      [
        { op: 'test', path: '/name', value: 'Demo' },
        { op: 'test', path: '/enabled', value: 'true' },
      ],
      1,
      '/enabled',
    ],
    ['a list in another order', [{ op: 'test', path: '/redirectUris', value: ['https://b', 'https://a'] }], 0, '/redirectUris'],
    ['a member that is not there', [{ op: 'test', path: '/homepageUrl', value: 'x' }], 0, '/homepageUrl'],
    [
      'a TEST after a REPLACE of the same patch',
      [
        { op: 'replace', path: '/name', value: 'New' },
        { op: 'test', path: '/name', value: 'Demo' },
      ],
      1,
      '/name',
    ],
  ])('%s → CONFLICT', (_name, ops, index, path) => {
    const error = refusal(() => rehearsePatch(current(), ops));
    expect(error.message).toBe(`The TEST operation ops[${index}] failed: the resource does not hold that value at ${path}.`);
    expect(error.extensions).toStrictEqual({
      code: 'CONFLICT',
      fieldErrors: [{ field: `ops[${index}]`, messages: ['Test failed; nothing was changed.'] }],
    });
  });

  it.each<[string, PatchOperation[], string, string]>([
    ['ADD past the end', [{ op: 'add', path: '/redirectUris/5', value: 'x' }], 'ops[0].path', 'OPERATION_VALUE_OUT_OF_BOUNDS'],
    ['REMOVE past the end', [{ op: 'remove', path: '/redirectUris/5' }], 'ops[0].path', 'OPERATION_PATH_UNRESOLVABLE'],
    ['REPLACE past the end', [{ op: 'replace', path: '/redirectUris/2', value: 'x' }], 'ops[0].path', 'OPERATION_PATH_UNRESOLVABLE'],
    [
      'REPLACE a member that is not there',
      [{ op: 'replace', path: '/homepageUrl', value: 'x' }],
      'ops[0].path',
      'OPERATION_PATH_UNRESOLVABLE',
    ],
    [
      'the second op past the end',
      [
        { op: 'replace', path: '/name', value: 'x' },
        { op: 'add', path: '/redirectUris/3', value: 'x' },
      ],
      'ops[1].path',
      'OPERATION_VALUE_OUT_OF_BOUNDS',
    ],
  ])('%s → BAD_USER_INPUT at %s', (_name, ops, field, name) => {
    const message = `The patch cannot be applied to the current resource (${name}).`;
    const error = refusal(() => rehearsePatch(current(), ops));
    expect(error.message).toBe(`Invalid input: ${field}: ${message}`);
    expect(error.extensions).toStrictEqual({ code: 'BAD_USER_INPUT', fieldErrors: [{ field, messages: [message] }] });
  });

  it('argName names the fields', () => {
    const error = refusal(() => rehearsePatch(current(), [{ op: 'test', path: '/name', value: 'x' }], 'patch'));
    expect(error.message).toBe('The TEST operation patch[0] failed: the resource does not hold that value at /name.');
    expect(error.extensions.fieldErrors).toStrictEqual([{ field: 'patch[0]', messages: ['Test failed; nothing was changed.'] }]);
  });

  // As checkPatch does for a bad from pointer.
  it('a from that names nothing is reported on from', () => {
    const error = refusal(() => rehearsePatch(current(), [{ op: 'move', from: '/redirectUris/9', path: '/name' }]));
    expect(error.extensions.fieldErrors).toStrictEqual([
      { field: 'ops[0].from', messages: ['The patch cannot be applied to the current resource (OPERATION_FROM_UNRESOLVABLE).'] },
    ]);
  });
});
