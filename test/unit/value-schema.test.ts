import { describe, expect, it } from 'vitest';
import { release } from '../../src/services/authentik/releases.js';
import { fieldsAt, PROVIDER_FIELDS, SOURCE_FIELDS, TIMEDELTA } from '../../src/services/authentik/spec.js';
import { checkValue, INT32, type ValueSchema } from '../../src/value-schema.js';

type Case = [name: string, value: unknown, schema: ValueSchema, problem: string | undefined];

function table(cases: Case[]) {
  it.each(cases)('%s', (_name, value, schema, problem) => {
    expect(checkValue(value, schema)).toBe(problem);
  });
}

describe('checkValue: null', () => {
  const kinds: ValueSchema[] = [
    { type: 'string' },
    { type: 'integer' },
    { type: 'boolean' },
    { type: 'enum', values: ['a'] },
    { type: 'array', items: { type: 'string' } },
    { type: 'any' },
  ];
  it.each(kinds)('null on a $type that is not nullable', (schema) => {
    expect(checkValue(null, schema)).toBe('may not be null.');
  });
  it.each(kinds)('null on a nullable $type', (schema) => {
    expect(checkValue(null, { ...schema, nullable: true })).toBeUndefined();
  });
  it('nullable: false is not nullable', () => {
    expect(checkValue(null, { type: 'string', nullable: false })).toBe('may not be null.');
  });
  it('null is checked before constraints', () => {
    expect(checkValue(null, { type: 'string', nullable: true, minLength: 5, format: 'uuid' })).toBeUndefined();
  });
});

describe('checkValue: any', () => {
  table([
    ['an object', { a: [1, { b: null }] }, { type: 'any' }, undefined],
    ['a list', [1, 'x'], { type: 'any' }, undefined],
    ['a string', '', { type: 'any' }, undefined],
    ['a number', 1.5, { type: 'any' }, undefined],
    ['undefined', undefined, { type: 'any' }, undefined],
  ]);
});

describe('checkValue: boolean', () => {
  const BOOL: ValueSchema = { type: 'boolean' };
  table([
    ['true', true, BOOL, undefined],
    ['false', false, BOOL, undefined],
    ['"true"', 'true', BOOL, 'must be a boolean.'],
    ['0', 0, BOOL, 'must be a boolean.'],
    ['1', 1, BOOL, 'must be a boolean.'],
    ['a list', [true], BOOL, 'must be a boolean.'],
    ['undefined', undefined, BOOL, 'must be a boolean.'],
  ]);
});

describe('checkValue: integer', () => {
  const INT: ValueSchema = { type: 'integer' };
  const I32: ValueSchema = { type: 'integer', ...INT32 };
  table([
    ['0', 0, INT, undefined],
    ['-0', -0, INT, undefined],
    ['a negative', -42, INT, undefined],
    ['1.0 is an integer in JSON', 1.0, INT, undefined],
    ['a fraction', 1.5, INT, 'must be an integer.'],
    ['a numeric string', '1', INT, 'must be an integer.'],
    ['NaN', Number.NaN, INT, 'must be an integer.'],
    ['Infinity', Number.POSITIVE_INFINITY, INT, 'must be an integer.'],
    ['a boolean', true, INT, 'must be an integer.'],
    ['a bigint', 1n, INT, 'must be an integer.'],
    ['no bounds: a huge integer', 1e21, INT, undefined],
    ['int32 minimum', -2_147_483_648, I32, undefined],
    ['int32 maximum', 2_147_483_647, I32, undefined],
    ['below int32', -2_147_483_649, I32, 'must be at least -2147483648.'],
    ['above int32', 2_147_483_648, I32, 'must be at most 2147483647.'],
    ['at a minimum of 1', 1, { type: 'integer', minimum: 1 }, undefined],
    ['under a minimum of 1', 0, { type: 'integer', minimum: 1 }, 'must be at least 1.'],
    ['a minimum of 0', -1, { type: 'integer', minimum: 0 }, 'must be at least 0.'],
    ['a maximum of 0', 1, { type: 'integer', maximum: 0 }, 'must be at most 0.'],
    ['the type before the bounds', 0.5, { type: 'integer', minimum: 1 }, 'must be an integer.'],
  ]);
});

describe('checkValue: enum', () => {
  const E: ValueSchema = { type: 'enum', values: ['confidential', 'public'] };
  table([
    ['a value', 'public', E, undefined],
    ['another case', 'PUBLIC', E, 'must be one of confidential, public.'],
    ['a value with spaces', ' public', E, 'must be one of confidential, public.'],
    ['not a string', 1, E, 'must be one of confidential, public.'],
    ['a list holding a value', ['public'], E, 'must be one of confidential, public.'],
    ['an empty enum', 'x', { type: 'enum', values: [] }, 'must be one of .'],
    ['a nullable enum given null', null, { ...E, nullable: true }, undefined],
  ]);
});

describe('checkValue: string lengths in code points', () => {
  const min = (n: number): ValueSchema => ({ type: 'string', minLength: n });
  const max = (n: number): ValueSchema => ({ type: 'string', maxLength: n });
  table([
    ['not a string', 5, { type: 'string' }, 'must be a string.'],
    ['an object', {}, { type: 'string' }, 'must be a string.'],
    ['empty, no bounds', '', { type: 'string' }, undefined],
    ['empty under minLength 1', '', min(1), 'may not be blank.'],
    ['one character at minLength 1', 'x', min(1), undefined],
    ['a space is not blank', ' ', min(1), undefined],
    ['under minLength 3', 'ab', min(3), 'must have at least 3 characters.'],
    ['at minLength 3', 'abc', min(3), undefined],
    ['at maxLength 3', 'abc', max(3), undefined],
    ['over maxLength 3', 'abcd', max(3), 'must have at most 3 characters.'],
    ['maxLength 0', 'a', max(0), 'must have at most 0 characters.'],
    ['three emoji are three characters', '😀😀😀', max(3), undefined],
    ['four emoji are four', '😀😀😀😀', max(3), 'must have at most 3 characters.'],
    ['one emoji is one', '😀', min(2), 'must have at least 2 characters.'],
    ['two emoji are two', '😀😀', min(2), undefined],
    ['an astral CJK ideograph is one', '𠀀', max(1), undefined],
    ['ZWJ family: 3 emoji + 2 joiners', '👨‍👩‍👧', max(4), 'must have at most 4 characters.'],
    ['ZWJ family at 5', '👨‍👩‍👧', max(5), undefined],
    ['a flag is two regional indicators', '🇫🇷', max(1), 'must have at most 1 characters.'],
    ['a combining accent is its own code point', 'e\u0301', max(1), 'must have at most 1 characters.'],
    ['a precomposed accent is one', 'é', max(1), undefined],
    ['a lone high surrogate counts one', '\ud83d', max(1), undefined],
    ['two high surrogates count two', '\ud83d\ud83d', max(1), 'must have at most 1 characters.'],
    ['a low then a high surrogate count two', '\ude00\ud83d', max(1), 'must have at most 1 characters.'],
    ['a high surrogate then a character past the low ones count two', '\ud83d\uff41', max(1), 'must have at most 1 characters.'],
    ['a pair after a lone high surrogate', '\ud83d😀', max(2), undefined],
    ['a pair after a lone high surrogate is two', '\ud83d😀', max(1), 'must have at most 1 characters.'],
    ['a lone surrogate at the end', 'ab\ud83d', max(2), 'must have at most 2 characters.'],
    ['min before max', '', { type: 'string', minLength: 1, maxLength: 0 }, 'may not be blank.'],
  ]);
});

describe('checkValue: pattern and format', () => {
  const slug = fieldsAt(SOURCE_FIELDS, release('2024.8.1')).slug!.schema;
  const uuid: ValueSchema = { type: 'string', format: 'uuid' };
  const duration: ValueSchema = { type: 'string', check: TIMEDELTA };
  const durationProblem = 'must be a duration like hours=1;minutes=2;seconds=3.';
  table([
    ['a pattern without hint', 'ABC', { type: 'string', pattern: /^[a-z]+$/ }, 'must match ^[a-z]+$.'],
    ['a pattern that matches', 'abc', { type: 'string', pattern: /^[a-z]+$/ }, undefined],
    ['a pattern with hint', 'ABC', { type: 'string', pattern: /^[a-z]+$/, patternHint: 'lower case only.' }, 'lower case only.'],
    ['the length before the pattern', '', { type: 'string', minLength: 1, pattern: /^[a-z]+$/, patternHint: 'h' }, 'may not be blank.'],
    ['a slug', 'git-hub_2', slug, undefined],
    ['a slug with a space', 'git hub', slug, 'may contain only letters, digits, "-" and "_".'],
    ['a slug with a slash', 'a/b', slug, 'may contain only letters, digits, "-" and "_".'],
    ['a blank slug', '', slug, 'may not be blank.'],
    ['a slug of 50', 's'.repeat(50), slug, undefined],
    ['a slug of 51', 's'.repeat(51), slug, 'must have at most 50 characters.'],
    ['a uuid', '046b6c7f-0b8a-43b9-b35d-6489e6daee91', uuid, undefined],
    ['a uuid in capitals', '046B6C7F-0B8A-43B9-B35D-6489E6DAEE91', uuid, undefined],
    ['a uuid without dashes', '046b6c7f0b8a43b9b35d6489e6daee91', uuid, 'must be a UUID.'],
    ['a uuid in braces', '{046b6c7f-0b8a-43b9-b35d-6489e6daee91}', uuid, 'must be a UUID.'],
    ['a uuid with a non-hex digit', '046b6c7f-0b8a-43b9-b35d-6489e6daee9g', uuid, 'must be a UUID.'],
    ['a uuid with a trailing newline', '046b6c7f-0b8a-43b9-b35d-6489e6daee91\n', uuid, 'must be a UUID.'],
    ['an empty uuid', '', uuid, 'must be a UUID.'],
    ['the pattern before the format', 'x', { type: 'string', pattern: /^y$/, patternHint: 'y.', format: 'uuid' }, 'y.'],
    ['a duration', 'hours=1;minutes=2;seconds=3', duration, undefined],
    ['one unit', 'minutes=10', duration, undefined],
    ['every unit', 'weeks=1;days=1;hours=1;minutes=1;seconds=1;milliseconds=1;microseconds=1', duration, undefined],
    ['a decimal amount', 'days=1.5', duration, undefined],
    ['spaces around units and amounts', ' hours = 1 ; minutes=2', duration, undefined],
    ['a singular unit', 'hour=1', duration, durationProblem],
    // authentik's timedelta_from_string lower-cases the unit and reads the amount with Python's float().
    ['a unit in capitals', 'Hours=1', duration, undefined],
    ['a negative amount', 'hours=-1', duration, undefined],
    ['an amount ending in a point', 'hours=1.', duration, undefined],
    ['an exponent', 'seconds=1e3', duration, undefined],
    ['infinity, which float() reads but timedelta refuses', 'hours=inf', duration, durationProblem],
    ['no amount', 'hours=', duration, durationProblem],
    ['no "="', 'hours', duration, durationProblem],
    ['two "="', 'hours=1=2', duration, durationProblem],
    ['a trailing ";"', 'hours=1;', duration, durationProblem],
    ['empty', '', duration, durationProblem],
    ['an ISO 8601 duration', 'PT1H', duration, durationProblem],
    ['authentik duration fields: blank', '', PROVIDER_FIELDS.access_token_validity!.versions[0]!.schema, 'may not be blank.'],
    ['authentik duration fields: valid', 'minutes=10', PROVIDER_FIELDS.access_token_validity!.versions[0]!.schema, undefined],
  ]);
});

describe('checkValue: arrays', () => {
  const strings: ValueSchema = { type: 'array', items: { type: 'string' } };
  const uuids = PROVIDER_FIELDS.property_mappings!.versions[0]!.schema;
  table([
    ['empty', [], strings, undefined],
    ['strings', ['a', 'b'], strings, undefined],
    ['not a list', 'a', strings, 'must be a list.'],
    ['an object', { 0: 'a' }, strings, 'must be a list.'],
    ['the first bad item is named', ['a', 2, true], strings, 'item 1 must be a string.'],
    ['a null item', [null], strings, 'item 0 may not be null.'],
    ['a null item where items are nullable', [null], { type: 'array', items: { type: 'string', nullable: true } }, undefined],
    ['a null list where items are nullable', null, { type: 'array', items: { type: 'string', nullable: true } }, 'may not be null.'],
    [
      'item constraints',
      ['ab', 'abcd'],
      { type: 'array', items: { type: 'string', maxLength: 3 } },
      'item 1 must have at most 3 characters.',
    ],
    ['an enum item', ['public', 'secret'], { type: 'array', items: { type: 'enum', values: ['public'] } }, 'item 1 must be one of public.'],
    ['uuid items', ['046b6c7f-0b8a-43b9-b35d-6489e6daee91', 'nope'], uuids, 'item 1 must be a UUID.'],
    [
      'nested lists',
      [[1], [2, 'x']],
      { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
      'item 1 item 1 must be an integer.',
    ],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case
    ['a sparse list reads holes as undefined', [, 'a'], strings, 'item 0 must be a string.'],
  ]);
});
