import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import {
  authentikProvider,
  authentikSource,
  identityNowClient,
  identityNowError,
  IDN_ID,
  launchDarklyClient,
  LD_ID,
  paginated,
} from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';

// The answers here are what no spec promises: credentials quoted back in any JSON spelling, bodies
// of the wrong shape, bytes that are not UTF-8, JSON nested without end. Each must come back as
// redacted data or as UPSTREAM_ERROR, never as a credential, a replacement character, "not found" or
// a crash.
const TOKEN = { identitynow: 'idn-quoted/Tok+en=7c3f', launchdarkly: 'api-ld-quoted-8e21a9', authentik: 'ak-quoted-token-5d0e' };

const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

let upstream: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startStub();
  gateway = await startGateway({
    IDENTITYNOW_URL: `${upstream.origin}/beta`,
    IDENTITYNOW_TOKEN: TOKEN.identitynow,
    LAUNCHDARKLY_URL: upstream.origin,
    LAUNCHDARKLY_API_KEY: TOKEN.launchdarkly,
    AUTHENTIK_URL: `${upstream.origin}/api/v3`,
    AUTHENTIK_TOKEN: TOKEN.authentik,
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  const all = logLines.join('\n');
  for (const secret of Object.values(TOKEN)) expect(all).not.toContain(secret);
  // A document nested without end must be refused before anything recurses into it.
  expect(all).not.toContain('RangeError');
});

beforeEach(() => {
  upstream.requests.length = 0;
});

/** The credential the request carried, as the vendor received it (bearer token or bare key). */
const sentCredential = (req: RecordedRequest) => String(req.headers.authorization).replace(/^Bearer /, '');

// ---- spellings of a credential, as a vendor might write it into JSON text ----

/** Every character as a JSON \u escape, in the case given. */
const allEscaped = (secret: string, upper = false) =>
  [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('');
/** Every other character escaped: the mixed form. */
const someEscaped = (secret: string) =>
  [...secret].map((c, i) => (i % 2 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
const percentAll = (secret: string, upper: boolean) =>
  [...Buffer.from(secret)].map((b) => `%${b.toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('');
/** Only the characters URLs must encode, in lower case (encodeURIComponent writes upper). */
const percentLower = (secret: string) => encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const percentTwice = (secret: string) => encodeURIComponent(encodeURIComponent(secret));
/** JSON's optional escape of "/", then a percent-encoded character, then a \u escape. */
const mixedForms = (secret: string) =>
  [...secret]
    .map((c, i) =>
      c === '/'
        ? '\\/'
        : i % 3 === 0
          ? `%${c.charCodeAt(0).toString(16)}`
          : i % 3 === 1
            ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
            : c,
    )
    .join('');

const SPELLINGS: Array<[string, (secret: string) => string]> = [
  ['as sent', (s) => s],
  ['every character \\u-escaped (lower-case hex)', (s) => allEscaped(s)],
  ['every character \\u-escaped (upper-case hex)', (s) => allEscaped(s, true)],
  ['every other character \\u-escaped', someEscaped],
  ['"/" written as \\/', (s) => s.replaceAll('/', '\\/')],
  ['percent-encoded, upper case', (s) => percentAll(s, true)],
  ['percent-encoded, lower case', (s) => percentAll(s, false)],
  ['percent-encoded where a URL needs it, lower case', percentLower],
  ['percent-encoded twice', percentTwice],
  ['a mix of \\/, percent-encoding and \\u escapes', mixedForms],
];

/** A JSON text whose string at `slot` holds `raw` verbatim (it may carry escapes). */
const withRaw = (body: unknown, slot: string, raw: string) => JSON.stringify(body).replace(JSON.stringify(slot), `"${raw}"`);

function rawJson(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

describe.each(SPELLINGS)('a credential quoted back %s', (_name, spell) => {
  it('identitynow: in an error message, as "Bearer <token>" with the prefix escaped too', async () => {
    upstream.handle((req, res) => {
      const quoted = `${allEscaped('Bearer ')}${spell(sentCredential(req))}`;
      rawJson(res, 400, withRaw(identityNowError('400.1 Bad Request Content', 'SLOT'), 'SLOT', `token ${quoted} may not patch /name`));
    });
    const res = await gateway.gql(
      `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`,
    );
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN.identitynow}`);
    expect(res.errors![0]!.message).toBe('token Bearer [REDACTED] may not patch /name');
    expect(JSON.stringify(res)).not.toContain('Tok+en');
  });

  it('launchdarkly: the bare key in a data field', async () => {
    upstream.handle((req, res) =>
      rawJson(res, 200, withRaw(launchDarklyClient(), 'Reads flags for the deploy bot', `made with ${spell(sentCredential(req))}`)),
    );
    const res = await gateway.gql(`{ launchDarklyOAuthClient(id: "${LD_ID}") { id description } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.launchDarklyOAuthClient).toEqual({ id: LD_ID, description: 'made with [REDACTED]' });
  });

  it("authentik: a caller's own credential in a field error's key and message", async () => {
    const callerToken = 'caller/ak+token=19e2';
    upstream.handle((req, res) => {
      const quoted = spell(sentCredential(req));
      rawJson(res, 400, `{"${quoted}": ["token ${quoted} is read-only"]}`);
    });
    const res = await gateway.gql(`mutation { updateOAuth2Provider(id: "6", input: { clientType: PUBLIC }) { id } }`, undefined, {
      'X-Authentik-Token': callerToken,
    });
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${callerToken}`);
    expect(res.errors![0]!.extensions!.fieldErrors).toEqual([{ field: '[REDACTED]', messages: ['token [REDACTED] is read-only'] }]);
    expect(JSON.stringify(res)).not.toContain('ak+token');
  });
});

it('a body that is not JSON is redacted in its text as well (it only ever reaches the error as a description)', async () => {
  upstream.handle((req, res) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`upstream said: ${percentLower(sentCredential(req))}`);
  });
  const res = await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
  expect(res.errors![0]).toMatchObject({
    extensions: { code: 'UPSTREAM_ERROR' },
    message: 'identitynow answered 502 with a body that is not JSON.',
  });
});

// ---- bodies that are not what the spec promises ----

const NOT_AN_OBJECT: Array<[string, string]> = [
  ['null', 'null'],
  ['a list', '[]'],
  ['a number', '42'],
  ['a string', '"ok"'],
  ['true', 'true'],
];

const SINGLE_READS = [
  { name: 'oauthClient', query: `{ oauthClient(id: "${IDN_ID}") { id } }`, service: 'identitynow' },
  { name: 'launchDarklyOAuthClient', query: `{ launchDarklyOAuthClient(id: "${LD_ID}") { id } }`, service: 'launchdarkly' },
  { name: 'oauth2Provider', query: `{ oauth2Provider(id: "6") { id } }`, service: 'authentik' },
  { name: 'oauthSource', query: `{ oauthSource(slug: "github") { slug } }`, service: 'authentik' },
];

describe.each(SINGLE_READS)('$name answered 200 with something that is not the resource', ({ name, query, service }) => {
  it.each(NOT_AN_OBJECT)('%s: UPSTREAM_ERROR, never "not found"', async (_what, body) => {
    upstream.handle((_req, res) => rawJson(res, 200, body));
    const res = await gateway.gql(query);
    expect(res.data?.[name] ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: [name], extensions: { code: 'UPSTREAM_ERROR', upstream: { service, status: 200 } } });
  });
});

const LISTS = [
  { name: 'oauthClients', query: '{ oauthClients { id } }', item: identityNowClient() },
  { name: 'launchDarklyOAuthClients', query: '{ launchDarklyOAuthClients { id } }', wrap: (items: unknown[]) => ({ items }) },
  { name: 'oauth2Providers', query: '{ oauth2Providers { id } }', wrap: paginated },
  { name: 'oauthSources', query: '{ oauthSources { slug } }', wrap: paginated },
];

describe.each(LISTS)('$name answered with a list of the wrong shape', ({ name, query, wrap }) => {
  it.each([
    ['null', null],
    ['a number', 7],
    ['a string', 'ok'],
    ['a list of lists', [[]]],
    ['an item that is null', [null]],
  ] as Array<[string, unknown]>)('%s: UPSTREAM_ERROR', async (_what, items) => {
    const body = wrap && Array.isArray(items) ? wrap(items) : items;
    upstream.handle((_req, res) => json(res, 200, body));
    const res = await gateway.gql(query);
    expect(res.errors![0]).toMatchObject({ path: [name], extensions: { code: 'UPSTREAM_ERROR' } });
  });
});

it('a JSON Patch TEST rehearsal on an answer that is not a client: UPSTREAM_ERROR, and no PATCH', async () => {
  upstream.handle((_req, res) => rawJson(res, 200, 'null'));
  const res = await gateway.gql(
    `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: TEST, path: "/name", value: "a" }, { op: REPLACE, path: "/name", value: "b" }]) { id } }`,
  );
  expect(res.errors![0]).toMatchObject({ extensions: { code: 'UPSTREAM_ERROR', upstream: { operation: 'getOauthClient' } } });
  expect(upstream.requests.map((r) => r.method)).toEqual(['GET']);
});

describe('bytes that are not UTF-8', () => {
  // "name": "Gr\xe9fana" in Latin-1: one byte that no UTF-8 decoder accepts.
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it('on success: UPSTREAM_ERROR, never data with replacement characters', async () => {
    upstream.handle((_req, res) => {
      const body = latin1(JSON.stringify(paginated([authentikProvider({ name: 'Gr\u00e9fana' })])));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    const res = await gateway.gql('{ oauth2Providers { id name } }');
    expect(res.errors![0]).toMatchObject({
      message: 'authentik answered 200 with a body that is not valid UTF-8.',
      extensions: { code: 'UPSTREAM_ERROR' },
    });
    expect(JSON.stringify(res)).not.toContain('\ufffd');
  });

  it("on an error status: the status's code, with a plain sentence instead of the vendor's text", async () => {
    upstream.handle((_req, res) => {
      const body = latin1(JSON.stringify({ code: 'invalid_request', message: 'caf\u00e9' }));
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    const res = await gateway.gql(
      `mutation { patchLaunchDarklyOAuthClient(id: "${LD_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`,
    );
    expect(res.errors![0]).toMatchObject({
      message: 'launchdarkly answered 400 with a body that is not valid UTF-8.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('JSON nested deeper than any field can be', () => {
  const deep = (levels: number) => `${'{"k":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('a 10,000-deep oidc_jwks: UPSTREAM_ERROR naming the field, and the gateway goes on serving', async () => {
    upstream.handle((_req, res) =>
      rawJson(res, 200, withRaw(authentikSource(), 'JWKS', '').replace('"oidc_jwks":{}', `"oidc_jwks":${deep(10_000)}`)),
    );
    const res = await gateway.gql('{ oauthSource(slug: "github") { slug oidcJwks } }');
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { service: 'authentik', status: 200 } });
    expect(res.errors![0]!.message).toMatch(/^authentik answered 200 with JSON nested more than 32 levels deep \(at oidc_jwks\.k\.k…\)\.$/);

    upstream.handle((_req, res) => json(res, 200, authentikSource()));
    expect((await gateway.gql('{ oauthSource(slug: "github") { slug } }')).data).toEqual({ oauthSource: { slug: 'github' } });
  });

  it('in a list, the path says which item', async () => {
    const source = JSON.stringify(authentikSource()).replace('"oidc_jwks":{}', `"oidc_jwks":${deep(100)}`);
    upstream.handle((_req, res) => rawJson(res, 200, `{"pagination":{},"results":[${JSON.stringify(authentikSource())},${source}]}`));
    const res = await gateway.gql('{ oauthSources { slug } }');
    expect(res.errors![0]!.message).toContain('(at results[1].oidc_jwks…)');
  });

  it('a JWKS of a realistic depth is served whole', async () => {
    const jwks = { keys: [{ kty: 'RSA', kid: 'a', x5c: ['MIIC'], ext: { nested: { deeper: [1, [2, [3]]] } } }] };
    upstream.handle((_req, res) => json(res, 200, authentikSource({ oidc_jwks: jwks })));
    const res = await gateway.gql('{ oauthSource(slug: "github") { oidcJwks } }');
    expect(res.data.oauthSource.oidcJwks).toEqual(jwks);
  });
});
