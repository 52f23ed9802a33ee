import { describe, expect, it } from 'vitest';
import { authentikError, camelCase } from '../../src/services/authentik/client.js';
import { PROVIDER_FIELDS, SOURCE_FIELDS } from '../../src/services/authentik/spec.js';
import { graphqlNames } from '../../src/services/authentik/partial-update.js';
import { identityNowError } from '../../src/services/identitynow/client.js';
import { launchDarklyError } from '../../src/services/launchdarkly/client.js';
import type { VendorError } from '../../src/upstream/response.js';

// Bodies as the vendors' OpenAPI documents (/work/shared/upstream-specs) describe and exemplify them.

const NOT_AN_OBJECT: Array<[string, unknown]> = [
  ['null', null],
  ['a list', [{ text: 'x' }]],
  ['a string', 'Internal Server Error'],
  ['a number', 500],
  ['true', true],
];

/** ErrorMessageDto. */
const msg = (text: unknown) => ({ locale: 'en-US', localeOrigin: 'DEFAULT', text });

describe('identityNowError: ErrorResponseDto, {error} on 401, {message} on 429', () => {
  const parse = identityNowError('ops');
  const TRACKING = 'e7eab60924f64aa284175b9fa3309599';
  const SEMANTIC = 'The request was syntactically correct but its content is semantically invalid.';

  it.each<[string, unknown, VendorError]>([
    [
      '400 with messages and causes',
      {
        detailCode: '400.1 Bad Request Content',
        trackingId: TRACKING,
        messages: [msg(SEMANTIC)],
        causes: [msg('name is required.'), msg('tenant is unknown.')],
      },
      {
        message: `${SEMANTIC} name is required. tenant is unknown.`,
        fieldErrors: [{ field: 'ops', messages: ['name is required.', 'tenant is unknown.'] }],
        trackingId: TRACKING,
        vendorCode: '400.1 Bad Request Content',
      },
    ],
    [
      '400 with messages only: they are the field errors',
      { detailCode: '400.1 Bad Request Content', trackingId: TRACKING, messages: [msg(SEMANTIC), msg('Second message.')], causes: [] },
      {
        message: SEMANTIC,
        fieldErrors: [{ field: 'ops', messages: [SEMANTIC, 'Second message.'] }],
        trackingId: TRACKING,
        vendorCode: '400.1 Bad Request Content',
      },
    ],
    [
      "the spec's 500 example",
      {
        detailCode: '500.0 Internal Fault',
        trackingId: 'b21b1f7ce4da4d639f2c62a57171b427',
        messages: [msg('An internal fault occurred.')],
      },
      {
        message: 'An internal fault occurred.',
        fieldErrors: [{ field: 'ops', messages: ['An internal fault occurred.'] }],
        trackingId: 'b21b1f7ce4da4d639f2c62a57171b427',
        vendorCode: '500.0 Internal Fault',
      },
    ],
    [
      '404 with a detailCode',
      { detailCode: '404 Not found', trackingId: TRACKING, messages: [msg('The OAuth client was not found.')] },
      {
        message: 'The OAuth client was not found.',
        fieldErrors: [{ field: 'ops', messages: ['The OAuth client was not found.'] }],
        trackingId: TRACKING,
        vendorCode: '404 Not found',
      },
    ],
    ['401 {error}', { error: 'JWT validation failed: JWT is expired' }, { message: 'JWT validation failed: JWT is expired' }],
    ['429 {message} is trimmed', { message: ' Rate Limit Exceeded ' }, { message: 'Rate Limit Exceeded' }],
    [
      'messages win over error and message',
      { messages: [msg('From messages.')], error: 'e', message: 'm' },
      { message: 'From messages.', fieldErrors: [{ field: 'ops', messages: ['From messages.'] }] },
    ],
    ['error wins over message', { error: 'From error.', message: 'From message.' }, { message: 'From error.' }],
    [
      'causes without messages, with error',
      { error: 'Refused.', causes: [msg('Because.')] },
      { message: 'Refused. Because.', fieldErrors: [{ field: 'ops', messages: ['Because.'] }] },
    ],
    ['causes alone: field errors, no message', { causes: [msg('Because.')] }, { fieldErrors: [{ field: 'ops', messages: ['Because.'] }] }],
    [
      'messages without text, with empty or non-string text, are skipped',
      { messages: [msg(''), msg('   '), msg(42), { locale: 'en-US' }, 'plain string', null, msg('Kept.')] },
      { message: 'Kept.', fieldErrors: [{ field: 'ops', messages: ['Kept.'] }] },
    ],
    ['messages that is not a list', { messages: 'oops', error: 'Fallback.' }, { message: 'Fallback.' }],
    [
      'trackingId and detailCode alone',
      { trackingId: TRACKING, detailCode: '403 Forbidden' },
      { trackingId: TRACKING, vendorCode: '403 Forbidden' },
    ],
    ['empty trackingId and detailCode are dropped', { trackingId: '', detailCode: '  ', error: 'x' }, { message: 'x' }],
    ['a numeric trackingId is dropped', { trackingId: 12345, error: 'x' }, { message: 'x' }],
    ['blank error and message', { error: ' ', message: '   ' }, {}],
    ['an empty object', {}, {}],
    ...NOT_AN_OBJECT.map(([name, body]): [string, unknown, VendorError] => [name, body, {}]),
  ])('%s', (_name, body, want) => {
    expect(parse(body)).toStrictEqual(want);
  });

  it('names the GraphQL argument it was given', () => {
    expect(identityNowError('filters')({ messages: [msg('Bad filter.')] })).toStrictEqual({
      message: 'Bad filter.',
      fieldErrors: [{ field: 'filters', messages: ['Bad filter.'] }],
    });
  });
});

describe('launchDarklyError: {code, message, id}', () => {
  const parse = launchDarklyError('ops');
  it.each<[string, unknown, VendorError]>([
    [
      '400 InvalidRequestErrorRep',
      { code: 'invalid_request', message: 'Invalid request body' },
      {
        message: 'Invalid request body',
        fieldErrors: [{ field: 'ops', messages: ['Invalid request body'] }],
        vendorCode: 'invalid_request',
      },
    ],
    [
      'with an id',
      { code: 'invalid_request', message: 'Invalid request body', id: 'abc-123' },
      {
        message: 'Invalid request body',
        fieldErrors: [{ field: 'ops', messages: ['Invalid request body'] }],
        vendorCode: 'invalid_request',
        trackingId: 'abc-123',
      },
    ],
    [
      '401 UnauthorizedErrorRep',
      { code: 'unauthorized', message: 'Invalid access token' },
      { message: 'Invalid access token', fieldErrors: [{ field: 'ops', messages: ['Invalid access token'] }], vendorCode: 'unauthorized' },
    ],
    [
      '404 NotFoundErrorRep',
      { code: 'not_found', message: 'Invalid resource identifier' },
      {
        message: 'Invalid resource identifier',
        fieldErrors: [{ field: 'ops', messages: ['Invalid resource identifier'] }],
        vendorCode: 'not_found',
      },
    ],
    [
      '429 RateLimitedErrorRep',
      { code: 'rate_limited', message: 'You have made too many requests' },
      {
        message: 'You have made too many requests',
        fieldErrors: [{ field: 'ops', messages: ['You have made too many requests'] }],
        vendorCode: 'rate_limited',
      },
    ],
    ['code alone', { code: 'forbidden' }, { vendorCode: 'forbidden' }],
    ['message alone', { message: 'Nope' }, { message: 'Nope', fieldErrors: [{ field: 'ops', messages: ['Nope'] }] }],
    [
      'a message is kept as sent, spaces and all',
      { message: ' Nope ' },
      { message: ' Nope ', fieldErrors: [{ field: 'ops', messages: [' Nope '] }] },
    ],
    ['blank message, empty code', { message: '  ', code: '' }, {}],
    ['non-string members', { message: 1, code: ['x'], id: {} }, {}],
    ['an empty object', {}, {}],
    ...NOT_AN_OBJECT.map(([name, body]): [string, unknown, VendorError] => [name, body, {}]),
  ])('%s', (_name, body, want) => {
    expect(parse(body)).toStrictEqual(want);
  });

  it('names the GraphQL argument it was given', () => {
    expect(launchDarklyError('id')({ code: 'not_found', message: 'Gone' })).toStrictEqual({
      message: 'Gone',
      fieldErrors: [{ field: 'id', messages: ['Gone'] }],
      vendorCode: 'not_found',
    });
  });
});

describe('authentikError: GenericError {detail, code}, ValidationError {field: [messages]}', () => {
  const provider = authentikError(graphqlNames({ members: PROVIDER_FIELDS }));
  const source = authentikError(graphqlNames({ members: SOURCE_FIELDS }));

  it.each<[string, unknown, VendorError]>([
    [
      'GenericError 404',
      { detail: 'No OAuth2Provider matches the given query.' },
      { message: 'No OAuth2Provider matches the given query.' },
    ],
    [
      'GenericError with code',
      { detail: 'Authentication credentials were not provided.', code: 'not_authenticated' },
      { message: 'Authentication credentials were not provided.', vendorCode: 'not_authenticated' },
    ],
    [
      'GenericError 403',
      { detail: 'You do not have permission to perform this action.', code: 'permission_denied' },
      {
        message: 'You do not have permission to perform this action.',
        vendorCode: 'permission_denied',
      },
    ],
    ['detail wins over field errors', { detail: 'Throttled.', name: ['x'] }, { message: 'Throttled.' }],
    [
      'one field',
      { slug: ['Source with this slug already exists.'] },
      {
        message: 'slug: Source with this slug already exists.',
        fieldErrors: [{ field: 'slug', messages: ['Source with this slug already exists.'] }],
      },
    ],
    [
      'snake_case fields read as their GraphQL names',
      { user_matching_mode: ['"x" is not a valid choice.'], authentication_flow: ['Must be a valid UUID.', 'Object does not exist.'] },
      {
        message: 'userMatchingMode: "x" is not a valid choice.; authenticationFlow: Must be a valid UUID. Object does not exist.',
        fieldErrors: [
          { field: 'userMatchingMode', messages: ['"x" is not a valid choice.'] },
          { field: 'authenticationFlow', messages: ['Must be a valid UUID.', 'Object does not exist.'] },
        ],
      },
    ],
    [
      'non_field_errors are on the input',
      { non_field_errors: ['The fields name, slug must make a unique set.'] },
      {
        message: 'input: The fields name, slug must make a unique set.',
        fieldErrors: [{ field: 'input', messages: ['The fields name, slug must make a unique set.'] }],
      },
    ],
    [
      'with a code',
      { name: ['This field may not be blank.'], code: 'invalid' },
      {
        message: 'name: This field may not be blank.',
        fieldErrors: [{ field: 'name', messages: ['This field may not be blank.'] }],
        vendorCode: 'invalid',
      },
    ],
    [
      'a field whose value is a string',
      { slug: 'Enter a valid slug.' },
      { message: 'slug: Enter a valid slug.', fieldErrors: [{ field: 'slug', messages: ['Enter a valid slug.'] }] },
    ],
    [
      'a nested object',
      { oidc_config: { jwks_url: ['Enter a valid URL.'] } },
      {
        message: 'oidcConfig.jwksUrl: Enter a valid URL.',
        fieldErrors: [{ field: 'oidcConfig.jwksUrl', messages: ['Enter a valid URL.'] }],
      },
    ],
    [
      'a list of objects (2026.2 redirect_uris)',
      { redirect_uris: [{ url: ['Enter a valid URL.'] }, {}, { matching_mode: ['"x" is not a valid choice.'] }] },
      {
        message: 'redirectUris[0].url: Enter a valid URL.; redirectUris[2].matchingMode: "x" is not a valid choice.',
        fieldErrors: [
          { field: 'redirectUris[0].url', messages: ['Enter a valid URL.'] },
          { field: 'redirectUris[2].matchingMode', messages: ['"x" is not a valid choice.'] },
        ],
      },
    ],
    [
      'a list of strings and objects',
      { property_mappings: ['Invalid pk.', { 1: ['Object does not exist.'] }] },
      {
        message: 'propertyMappings: Invalid pk.; propertyMappings[1].1: Object does not exist.',
        fieldErrors: [
          { field: 'propertyMappings', messages: ['Invalid pk.'] },
          { field: 'propertyMappings[1].1', messages: ['Object does not exist.'] },
        ],
      },
    ],
    [
      'nested deeper',
      { a_b: { c_d: { e_f: 'deep' } } },
      { message: 'aB.cD.eF: deep', fieldErrors: [{ field: 'aB.cD.eF', messages: ['deep'] }] },
    ],
    [
      'values that say nothing are skipped',
      { name: [], slug: 5, enabled: null, policy_engine_mode: [1, true], kept: ['Yes.'] },
      { message: 'kept: Yes.', fieldErrors: [{ field: 'kept', messages: ['Yes.'] }] },
    ],
    ['code alone', { code: 'invalid' }, { vendorCode: 'invalid' }],
    ['an empty list alone', { name: [] }, {}],
    ['an empty object', {}, {}],
    ...NOT_AN_OBJECT.map(([name, body]): [string, unknown, VendorError] => [name, body, {}]),
  ])('%s', (_name, body, want) => {
    expect(source(body)).toStrictEqual(want);
  });

  it('the provider fields read the same way', () => {
    expect(provider({ access_token_validity: ['Invalid timedelta.'], client_type: ['"x" is not a valid choice.'] })).toStrictEqual({
      message: 'accessTokenValidity: Invalid timedelta.; clientType: "x" is not a valid choice.',
      fieldErrors: [
        { field: 'accessTokenValidity', messages: ['Invalid timedelta.'] },
        { field: 'clientType', messages: ['"x" is not a valid choice.'] },
      ],
    });
  });

  it('a name from the table wins over camelCase; nested names are camelCased', () => {
    const parse = authentikError({ redirect_uris: 'redirects' });
    expect(parse({ redirect_uris: [{ matching_mode: ['bad'] }], other_field: ['x'] })).toStrictEqual({
      message: 'redirects[0].matchingMode: bad; otherField: x',
      fieldErrors: [
        { field: 'redirects[0].matchingMode', messages: ['bad'] },
        { field: 'otherField', messages: ['x'] },
      ],
    });
  });
});

describe('camelCase', () => {
  it.each<[string, string]>([
    ['name', 'name'],
    ['client_type', 'clientType'],
    ['include_claims_in_id_token', 'includeClaimsInIdToken'],
    ['oidc_jwks_url', 'oidcJwksUrl'],
    ['field_2x', 'field2x'],
    ['non_field_errors', 'nonFieldErrors'],
    ['UPPER_CASE', 'UPPER_CASE'],
    ['trailing_', 'trailing_'],
  ])('%s → %s', (snake, camel) => {
    expect(camelCase(snake)).toBe(camel);
  });
});
