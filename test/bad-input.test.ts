import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { IDN_ID, LD_ID } from './fixtures/upstream-bodies.js';

// Every case must be refused by the gateway itself: the stub answers 200 to anything, and must
// see no request at all by the end of the file.
let stub: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  stub = await startStub((_req, res) => json(res, 200, {}));
  gateway = await startGateway({
    IDENTITYNOW_URL: `${stub.origin}/beta`,
    LAUNCHDARKLY_URL: stub.origin,
    AUTHENTIK_URL: `${stub.origin}/api/v3`,
    // The release is named, so no case asks the stub for it; the limits are 2024.8's (slugs of at most 50 characters).
    AUTHENTIK_API_VERSION: '2024.8.1',
  });
});

afterAll(async () => {
  expect(stub.requests).toEqual([]);
  await gateway.close();
  await stub.close();
});

const PATCH_IDN = `mutation ($id: ID!, $ops: [JsonPatchOperation!]!) { patchOAuthClient(id: $id, ops: $ops) { id } }`;
const PATCH_LD = `mutation ($id: ID!, $ops: [JsonPatchOperation!]!) { patchLaunchDarklyOAuthClient(id: $id, ops: $ops) { id } }`;
const UPDATE_PROVIDER = `mutation ($id: ID!, $input: UpdateOAuth2ProviderInput!) { updateOAuth2Provider(id: $id, input: $input) { id } }`;
const UPDATE_SOURCE = `mutation ($slug: String!, $input: UpdateOAuthSourceInput!) { updateOAuthSource(slug: $slug, input: $input) { slug } }`;

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** The fieldErrors[].field values expected, in order. */
  fields: string[];
}

const idnOps = (...ops: unknown[]) => ({ id: IDN_ID, ops });
const ldOps = (...ops: unknown[]) => ({ id: LD_ID, ops });

const cases: Case[] = [
  // JSON Pointer syntax
  {
    name: 'pointer without leading slash',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: 'description', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'pointer with a bad ~ escape',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/descr~iption', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'pointer ending in ~',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/name~', value: 'x' }),
    fields: ['ops[0].path'],
  },
  { name: 'the whole document', query: PATCH_IDN, variables: idnOps({ op: 'REPLACE', path: '', value: {} }), fields: ['ops[0].path'] },
  {
    name: 'pointer with a control character',
    query: PATCH_LD,
    variables: ldOps({ op: 'REPLACE', path: '/name\n', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'array index with a leading zero',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/redirectUris/01', value: 'https://x' }),
    fields: ['ops[0].path'],
  },
  // RFC 6902 shape
  { name: 'unknown op', query: PATCH_IDN, variables: idnOps({ op: 'MERGE', path: '/name', value: 'x' }), fields: ['ops[0].op'] },
  { name: 'missing op', query: PATCH_IDN, variables: idnOps({ path: '/name', value: 'x' }), fields: ['ops[0]'] },
  { name: 'ADD without value', query: PATCH_IDN, variables: idnOps({ op: 'ADD', path: '/redirectUris/-' }), fields: ['ops[0].value'] },
  { name: 'REPLACE without value', query: PATCH_LD, variables: ldOps({ op: 'REPLACE', path: '/name' }), fields: ['ops[0].value'] },
  { name: 'TEST without value', query: PATCH_LD, variables: ldOps({ op: 'TEST', path: '/name' }), fields: ['ops[0].value'] },
  { name: 'MOVE without from', query: PATCH_IDN, variables: idnOps({ op: 'MOVE', path: '/redirectUris/0' }), fields: ['ops[0].from'] },
  {
    name: 'COPY with a non-patchable from',
    query: PATCH_IDN,
    variables: idnOps({ op: 'COPY', from: '/secret', path: '/description' }),
    fields: ['ops[0].from'],
  },
  {
    name: 'REPLACE at "-"',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/redirectUris/-', value: 'https://x' }),
    fields: ['ops[0].path'],
  },
  { name: 'REMOVE of a required field', query: PATCH_IDN, variables: idnOps({ op: 'REMOVE', path: '/name' }), fields: ['ops[0].path'] },
  { name: 'an empty patch', query: PATCH_IDN, variables: idnOps(), fields: ['ops'] },
  {
    name: 'more operations than allowed',
    query: PATCH_LD,
    variables: ldOps(...Array.from({ length: 101 }, () => ({ op: 'TEST', path: '/name', value: 'x' }))),
    fields: ['ops'],
  },
  // Patchable paths
  {
    name: 'identitynow non-patchable /id',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/id', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'identitynow non-patchable /secret',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/secret', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'launchdarkly non-patchable /_accountId',
    query: PATCH_LD,
    variables: ldOps({ op: 'REPLACE', path: '/_accountId', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'a path inside a scalar field',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/name/first', value: 'x' }),
    fields: ['ops[0].path'],
  },
  {
    name: 'prototype pollution /__proto__/x',
    query: PATCH_IDN,
    variables: idnOps({ op: 'ADD', path: '/__proto__/x', value: 1 }),
    fields: ['ops[0].path'],
  },
  {
    name: 'prototype pollution /constructor/prototype/x',
    query: PATCH_LD,
    variables: ldOps({ op: 'ADD', path: '/constructor/prototype/x', value: 1 }),
    fields: ['ops[0].path'],
  },
  {
    name: 'prototype pollution through from',
    query: PATCH_IDN,
    variables: idnOps({ op: 'COPY', from: '/__proto__', path: '/description' }),
    fields: ['ops[0].from'],
  },
  // Value types of known fields
  {
    name: '/enabled not a boolean',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/enabled', value: 'yes' }),
    fields: ['ops[0].value'],
  },
  {
    name: '/grantTypes with an unknown grant',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/grantTypes', value: ['CLIENT_CREDENTIALS', 'PASSWORD'] }),
    fields: ['ops[0].value'],
  },
  {
    name: '/grantTypes not a list',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/grantTypes', value: 'CLIENT_CREDENTIALS' }),
    fields: ['ops[0].value'],
  },
  {
    name: '/accessTokenValiditySeconds not an integer',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/accessTokenValiditySeconds', value: 7.5 }),
    fields: ['ops[0].value'],
  },
  {
    name: '/accessTokenValiditySeconds beyond int32',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/accessTokenValiditySeconds', value: 2 ** 31 }),
    fields: ['ops[0].value'],
  },
  {
    name: '/accessType not in the enum',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/accessType', value: 'offline' }),
    fields: ['ops[0].value'],
  },
  {
    name: 'null for non-nullable /name',
    query: PATCH_IDN,
    variables: idnOps({ op: 'REPLACE', path: '/name', value: null }),
    fields: ['ops[0].value'],
  },
  {
    name: 'launchdarkly /redirectUri not a string',
    query: PATCH_LD,
    variables: ldOps({ op: 'REPLACE', path: '/redirectUri', value: ['https://x'] }),
    fields: ['ops[0].value'],
  },
  {
    name: 'MOVE between fields of different types',
    query: PATCH_IDN,
    variables: idnOps({ op: 'COPY', from: '/enabled', path: '/name' }),
    fields: ['ops[0].from'],
  },
  {
    name: 'several bad ops are all reported',
    query: PATCH_IDN,
    variables: idnOps(
      { op: 'REPLACE', path: '/description', value: 'ok' },
      { op: 'REPLACE', path: '/id', value: 'x' },
      { op: 'ADD', path: '/enabled' },
    ),
    fields: ['ops[1].path', 'ops[2].value'],
  },
  // Path arguments
  {
    name: 'an id with /',
    query: PATCH_IDN,
    variables: { id: 'abc/../../admin', ops: [{ op: 'REPLACE', path: '/name', value: 'x' }] },
    fields: ['id'],
  },
  { name: 'an id of ..', query: PATCH_LD, variables: { id: '..', ops: [{ op: 'REPLACE', path: '/name', value: 'x' }] }, fields: ['id'] },
  {
    name: 'an id with %2e%2e',
    query: PATCH_LD,
    variables: { id: '%2e%2e', ops: [{ op: 'REPLACE', path: '/name', value: 'x' }] },
    fields: ['id'],
  },
  {
    name: 'an id with ?x=',
    query: PATCH_IDN,
    variables: { id: 'abc?x=1', ops: [{ op: 'REPLACE', path: '/name', value: 'x' }] },
    fields: ['id'],
  },
  {
    name: 'an id with CR/LF',
    query: PATCH_IDN,
    variables: { id: 'abc\r\nHost: evil.example', ops: [{ op: 'REPLACE', path: '/name', value: 'x' }] },
    fields: ['id'],
  },
  {
    name: 'a provider id that is not a positive integer',
    query: UPDATE_PROVIDER,
    variables: { id: '6/../7', input: { name: 'x' } },
    fields: ['id'],
  },
  { name: 'a provider id of 0', query: UPDATE_PROVIDER, variables: { id: '0', input: { name: 'x' } }, fields: ['id'] },
  { name: 'slug ../x', query: UPDATE_SOURCE, variables: { slug: '../x', input: { name: 'x' } }, fields: ['slug'] },
  { name: 'slug with a space', query: UPDATE_SOURCE, variables: { slug: 'git hub', input: { name: 'x' } }, fields: ['slug'] },
  { name: 'slug over 50 characters', query: UPDATE_SOURCE, variables: { slug: 'a'.repeat(51), input: { name: 'x' } }, fields: ['slug'] },
  { name: 'slug //evil.example', query: UPDATE_SOURCE, variables: { slug: '//evil.example', input: { name: 'x' } }, fields: ['slug'] },
  // authentik limits from the spec
  { name: 'null for non-nullable name', query: UPDATE_SOURCE, variables: { slug: 'github', input: { name: null } }, fields: ['name'] },
  {
    name: 'null for non-nullable authorizationFlow',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { authorizationFlow: null } },
    fields: ['authorizationFlow'],
  },
  { name: 'blank name (minLength 1)', query: UPDATE_PROVIDER, variables: { id: '6', input: { name: '' } }, fields: ['name'] },
  {
    name: 'new slug with a space (pattern)',
    query: UPDATE_SOURCE,
    variables: { slug: 'github', input: { slug: 'git hub' } },
    fields: ['slug'],
  },
  {
    name: 'clientId over 255 characters',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { clientId: 'x'.repeat(256) } },
    fields: ['clientId'],
  },
  {
    name: 'clientId of 256 emoji (each one character, two UTF-16 units)',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { clientId: '😀'.repeat(256) } },
    fields: ['clientId'],
  },
  {
    name: 'profileUrl over 255 characters',
    query: UPDATE_SOURCE,
    variables: { slug: 'github', input: { profileUrl: `https://x.example/${'p'.repeat(250)}` } },
    fields: ['profileUrl'],
  },
  {
    name: 'clientType not in the enum',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { clientType: 'SECRET' } },
    fields: ['input.clientType'],
  },
  {
    name: 'signingKey not a UUID',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { signingKey: 'not-a-uuid' } },
    fields: ['signingKey'],
  },
  {
    name: 'propertyMappings with a non-UUID',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { propertyMappings: ['3fa85f64-5717-4562-b3fc-2c963f66afa6', 'x'] } },
    fields: ['propertyMappings'],
  },
  {
    name: 'accessTokenValidity not a duration',
    query: UPDATE_PROVIDER,
    variables: { id: '6', input: { accessTokenValidity: '5 minutes' } },
    fields: ['accessTokenValidity'],
  },
  { name: 'an input naming no field', query: UPDATE_SOURCE, variables: { slug: 'github', input: {} }, fields: ['input'] },
  {
    name: 'an input field the spec does not have',
    query: UPDATE_SOURCE,
    variables: { slug: 'github', input: { pk: 'x' } },
    fields: ['input'],
  },
];

describe('refused before any upstream call', () => {
  it(`has at least 20 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const before = stub.requests.length;
      const res = await gateway.gql(c.query, c.variables);
      expect(res.errors, JSON.stringify(res)).toHaveLength(1);
      const error = res.errors![0]!;
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.fieldErrors?.map((e: { field: string }) => e.field)).toEqual(c.fields);
      for (const fieldError of error.extensions?.fieldErrors ?? []) expect(fieldError.messages.length).toBeGreaterThan(0);
      expect(res.data ?? null).toBeNull();
      expect(stub.requests.length).toBe(before);
    });
  }
});
