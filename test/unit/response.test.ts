import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { codeForStatus, type ErrorCode } from '../../src/errors.js';
import { identityNowError } from '../../src/services/identitynow/client.js';
import { launchDarklyError } from '../../src/services/launchdarkly/client.js';
import type { UpstreamResponse } from '../../src/upstream/client.js';
import { jsonBody, retryAfterSeconds, upstreamFailure, type ResponseContext } from '../../src/upstream/response.js';

const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

describe('retryAfterSeconds', () => {
  it.each<[string, string | string[] | undefined, number | undefined]>([
    ['delta-seconds', '120', 120],
    ['zero', '0', 0],
    ['one', '1', 1],
    ['leading zeros', '007', 7],
    ['spaces around', '  5  ', 5],
    ['tab and newline around', '\t3\n', 3],
    ['a large number', '86400', 86_400],
    ['past a day: a day', '86401', 86_400],
    ['past a safe integer', '99999999999999999999', 86_400],
    ['past a double', '9'.repeat(400), 86_400],
    ['HTTP date years ahead', 'Fri, 31 Dec 9999 23:59:59 GMT', 86_400],
    ['HTTP date 30 s ahead', 'Wed, 21 Oct 2015 07:28:30 GMT', 30],
    ['HTTP date 1 h ahead', 'Wed, 21 Oct 2015 08:28:00 GMT', 3_600],
    ['HTTP date now', 'Wed, 21 Oct 2015 07:28:00 GMT', 0],
    ['HTTP date in the past', 'Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['HTTP date years ago', 'Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['RFC 850 date', 'Wednesday, 21-Oct-15 07:28:10 GMT', 10],
    ['garbage', 'soon', undefined],
    ['seconds with a unit', '5s', undefined],
    ['two numbers', '12 34', undefined],
    ['exponent', '1e3', undefined],
    ['hexadecimal', '0x10', undefined],
    ['empty', '', undefined],
    ['blank', '   ', undefined],
    ['absent', undefined, undefined],
    ['an empty list', [], undefined],
    ['a list: the first counts', ['5', '10'], 5],
    ['a list whose first is empty', ['', '5'], undefined],
    ['a list whose first is a date', ['Wed, 21 Oct 2015 07:28:45 GMT', '1'], 45],
  ])('%s: %j → %s', (_name, header, want) => {
    expect(retryAfterSeconds(header, NOW)).toBe(want);
  });

  it('an asctime date, in a process whose zone is UTC', () => {
    expect(inTimeZone('UTC', () => retryAfterSeconds('Wed Oct 21 07:28:20 2015', NOW))).toBe(20);
  });

  // HTTP's asctime date is in GMT without saying so; Date.parse alone would read it in the process's local zone.
  it('an asctime date is GMT whatever the local zone', () => {
    expect(inTimeZone('America/New_York', () => retryAfterSeconds('Wed Oct 21 07:28:20 2015', NOW))).toBe(20);
  });

  it('rounds a part second up', () => {
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:30 GMT', NOW + 500)).toBe(30);
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:30 GMT', NOW + 1)).toBe(30);
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:30 GMT', NOW - 1)).toBe(31);
  });

  // V8's Date.parse reads "1.5", "-1" and "+5" as dates in 2001: a malformed Retry-After must not become "0 seconds".
  it.each<[string]>([['1.5'], ['-1'], ['+5']])('a malformed number %j is no Retry-After', (header) => {
    expect(retryAfterSeconds(header, NOW)).toBeUndefined();
  });
});

/** Node reads process.env.TZ again whenever it is assigned. */
function inTimeZone<T>(zone: string, fn: () => T): T {
  const before = process.env.TZ;
  process.env.TZ = zone;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

const LD: ResponseContext = { service: 'launchdarkly', operation: 'patchOAuthClient', parseError: launchDarklyError('ops') };
const IDN: ResponseContext = { service: 'identitynow', operation: 'patchOauthClient', parseError: identityNowError('ops') };

function response(status: number, body: unknown, headers: UpstreamResponse['headers'] = {}): UpstreamResponse {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, json, text };
}

function thrown(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('did not throw');
}

describe('codeForStatus', () => {
  it.each<[number, ErrorCode]>([
    [400, 'BAD_USER_INPUT'],
    [422, 'BAD_USER_INPUT'],
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
    [429, 'RATE_LIMITED'],
    [405, 'UPSTREAM_ERROR'],
    [410, 'UPSTREAM_ERROR'],
    [418, 'UPSTREAM_ERROR'],
    [500, 'UPSTREAM_ERROR'],
    [502, 'UPSTREAM_ERROR'],
    [503, 'UPSTREAM_ERROR'],
    [504, 'UPSTREAM_ERROR'],
    [302, 'UPSTREAM_ERROR'],
    [200, 'UPSTREAM_ERROR'],
  ])('%i → %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('upstreamFailure: status → code, with the vendor body kept', () => {
  // LaunchDarkly's {code, message, id} body on every status.
  const body = { code: 'some_code', message: 'What LaunchDarkly said', id: 'ld-req-1' };
  it.each<[number, ErrorCode, boolean]>([
    [400, 'BAD_USER_INPUT', true],
    [422, 'BAD_USER_INPUT', true],
    [401, 'UNAUTHENTICATED', false],
    [403, 'FORBIDDEN', false],
    [404, 'NOT_FOUND', false],
    [409, 'CONFLICT', false],
    [429, 'RATE_LIMITED', false],
    [405, 'UPSTREAM_ERROR', false],
    [500, 'UPSTREAM_ERROR', false],
    [502, 'UPSTREAM_ERROR', false],
    [503, 'UPSTREAM_ERROR', false],
    [504, 'UPSTREAM_ERROR', false],
    [301, 'UPSTREAM_ERROR', false],
    [302, 'UPSTREAM_ERROR', false],
    [304, 'UPSTREAM_ERROR', false],
    [307, 'UPSTREAM_ERROR', false],
  ])('%i → %s (field errors: %s)', (status, code, withFieldErrors) => {
    const error = upstreamFailure(response(status, body), LD);
    expect(error.message).toBe('What LaunchDarkly said');
    expect(error.extensions).toStrictEqual({
      code,
      upstream: { service: 'launchdarkly', status, operation: 'patchOAuthClient', trackingId: 'ld-req-1', vendorCode: 'some_code' },
      ...(withFieldErrors ? { fieldErrors: [{ field: 'ops', messages: ['What LaunchDarkly said'] }] } : {}),
    });
  });
});

describe('upstreamFailure: retryAfter', () => {
  it.each<[string, number, UpstreamResponse['headers'], number | undefined, number | undefined]>([
    ['429 with seconds', 429, { 'retry-after': '30' }, undefined, 30],
    ['503 with seconds', 503, { 'retry-after': '7' }, undefined, 7],
    ['429 without the header', 429, {}, undefined, undefined],
    ['429 with garbage', 429, { 'retry-after': 'later' }, undefined, undefined],
    ['500 with the header', 500, { 'retry-after': '30' }, undefined, undefined],
    ['502 with the header', 502, { 'retry-after': '30' }, undefined, undefined],
    ['504 with the header', 504, { 'retry-after': '30' }, undefined, undefined],
    ['400 with the header', 400, { 'retry-after': '30' }, undefined, undefined],
    // res.retryAfter is set by the client when retries ran out on a failure that may pass; it wins on any status.
    ['502 after retries ran out', 502, {}, 1, 1],
    ['429 after retries ran out wins over the header', 429, { 'retry-after': '30' }, 2, 2],
    ['0 seconds is kept', 503, { 'retry-after': '0' }, undefined, 0],
  ])('%s', (_name, status, headers, resRetryAfter, want) => {
    const res = response(status, { code: 'c', message: 'm' }, headers);
    if (resRetryAfter !== undefined) res.retryAfter = resRetryAfter;
    const error = upstreamFailure(res, LD);
    if (want === undefined) expect(error.extensions).not.toHaveProperty('retryAfter');
    else expect(error.extensions.retryAfter).toBe(want);
  });
});

describe('upstreamFailure: the message when the vendor body says nothing usable', () => {
  it.each<[string, UpstreamResponse, string]>([
    ['empty body', response(500, undefined), 'identitynow answered 500 with an empty body.'],
    ['blank body', response(502, '  \n'), 'identitynow answered 502 with an empty body.'],
    [
      'HTML by content type',
      response(502, 'Bad gateway', { 'content-type': 'text/html; charset=utf-8' }),
      'identitynow answered 502 with an HTML page.',
    ],
    ['HTML by doctype', response(503, '<!DOCTYPE html><title>x</title>'), 'identitynow answered 503 with an HTML page.'],
    ['HTML by tag', response(503, '  <html><body>down</body></html>'), 'identitynow answered 503 with an HTML page.'],
    ['plain text', response(500, 'upstream connect error'), 'identitynow answered 500 with a body that is not JSON.'],
    ['JSON without the documented fields', response(500, { oops: true }), 'identitynow answered 500 with an unexpected JSON body.'],
    ['JSON that is a list', response(400, [1, 2]), 'identitynow answered 400 with an unexpected JSON body.'],
    [
      'a redirect',
      response(302, undefined, { location: 'https://elsewhere' }),
      'identitynow answered with a redirect (302), which the gateway does not follow.',
    ],
    [
      'a redirect with an HTML body',
      response(301, '<html></html>'),
      'identitynow answered with a redirect (301), which the gateway does not follow.',
    ],
  ])('%s', (_name, res, message) => {
    const error = upstreamFailure(res, IDN);
    expect(error.message).toBe(message);
    expect(error.extensions.upstream).toStrictEqual({ service: 'identitynow', status: res.status, operation: 'patchOauthClient' });
    expect(error.extensions).not.toHaveProperty('fieldErrors');
  });

  it('a parser that throws on an odd body falls back to the plain message', () => {
    const ctx: ResponseContext = {
      service: 'authentik',
      operation: 'sources_oauth_partial_update',
      parseError: () => {
        throw new TypeError('boom');
      },
    };
    const error = upstreamFailure(response(400, { detail: 'x' }), ctx);
    expect(error.message).toBe('authentik answered 400 with an unexpected JSON body.');
    expect(error.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      upstream: { service: 'authentik', status: 400, operation: 'sources_oauth_partial_update' },
    });
  });

  it('IdentityNow 400: message, causes as field errors, trackingId, detailCode', () => {
    const SEMANTIC = 'The request was syntactically correct but its content is semantically invalid.';
    const body = {
      detailCode: '400.1 Bad Request Content',
      trackingId: 'e7eab60924f64aa284175b9fa3309599',
      messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: SEMANTIC }],
      causes: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'redirectUris[0] must be an https URL.' }],
    };
    const error = upstreamFailure(response(400, body), IDN);
    expect(error.message).toBe(`${SEMANTIC} redirectUris[0] must be an https URL.`);
    expect(error.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      upstream: {
        service: 'identitynow',
        status: 400,
        operation: 'patchOauthClient',
        trackingId: 'e7eab60924f64aa284175b9fa3309599',
        vendorCode: '400.1 Bad Request Content',
      },
      fieldErrors: [{ field: 'ops', messages: ['redirectUris[0] must be an https URL.'] }],
    });
  });

  it('IdentityNow 429 {message} with Retry-After', () => {
    const error = upstreamFailure(response(429, { message: ' Rate Limit Exceeded ' }, { 'retry-after': '10' }), IDN);
    expect(error.message).toBe('Rate Limit Exceeded');
    expect(error.extensions).toStrictEqual({
      code: 'RATE_LIMITED',
      upstream: { service: 'identitynow', status: 429, operation: 'patchOauthClient' },
      retryAfter: 10,
    });
  });
});

describe('jsonBody', () => {
  it.each<[number]>([[200], [201], [204], [299]])('%i with JSON → the JSON', (status) => {
    const res = response(status, { id: 'x' });
    expect(jsonBody(res, IDN)).toBe(res.json);
  });

  it.each<[number, UpstreamResponse, string]>([
    [200, response(200, undefined), 'identitynow answered 200 with an empty body instead of JSON.'],
    [204, response(204, undefined), 'identitynow answered 204 with an empty body instead of JSON.'],
    [200, response(200, '<html>maintenance</html>'), 'identitynow answered 200 with an HTML page instead of JSON.'],
    [200, response(200, 'ok'), 'identitynow answered 200 with a body that is not JSON instead of JSON.'],
  ])('%i without JSON → UPSTREAM_ERROR', (status, res, message) => {
    const error = thrown(() => jsonBody(res, IDN));
    expect(error.message).toBe(message);
    expect(error.extensions).toStrictEqual({
      code: 'UPSTREAM_ERROR',
      upstream: { service: 'identitynow', status, operation: 'patchOauthClient' },
    });
  });

  it.each<[number, ErrorCode]>([
    [300, 'UPSTREAM_ERROR'],
    [400, 'BAD_USER_INPUT'],
    [404, 'NOT_FOUND'],
    [199, 'UPSTREAM_ERROR'],
  ])('%i → throws upstreamFailure (%s)', (status, code) => {
    const res = response(status, { code: 'c', message: 'said' });
    const error = thrown(() => jsonBody(res, LD));
    expect(error.extensions.code).toBe(code);
    expect(error.message).toBe('said');
    expect(error).toStrictEqual(upstreamFailure(res, LD));
  });
});
