import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  // Vendor JSON is asserted shape by shape below; typing every body would restate the emulators.
  body: any;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('identitynow emulator', () => {
  const url = (path: string) => `${sandbox.services.identitynow.url}${path}`;
  const auth = () => ({ authorization: `Bearer ${sandbox.services.identitynow.secret}` });
  const patch = (id: string, ops: unknown, contentType = 'application/json-patch+json') =>
    call(url(`/oauth-clients/${id}`), {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': contentType },
      body: JSON.stringify(ops),
    });

  function expectBadRequest(answer: Answer, cause: RegExp): void {
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      detailCode: '400.1 Bad Request Content',
      messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: expect.any(String) }],
      causes: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: expect.stringMatching(cause) }],
    });
    expect(answer.body.trackingId).toMatch(HEX32);
  }

  it('serves the API root at /beta', () => {
    expect(sandbox.services.identitynow.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/beta$/);
  });

  it('lists the seeded clients as GetOAuthClientResponse, with secret null and no tenant', async () => {
    const answer = await call(url('/oauth-clients'), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toHaveLength(3);
    for (const client of answer.body) {
      expect(client.id).toMatch(HEX32);
      expect(client.secret).toBeNull();
      expect(client).not.toHaveProperty('tenant');
      expect(Object.keys(client)).toEqual(
        expect.arrayContaining(['grantTypes', 'accessType', 'type', 'created', 'modified', 'scope', 'lastUsed']),
      );
    }
    expect(answer.body.filter((c: { lastUsed: unknown }) => c.lastUsed === null)).toHaveLength(1);
  });

  it('filters on lastUsed le and isnull, and refuses a malformed filter', async () => {
    const filtered = async (filters: string) => call(url(`/oauth-clients?filters=${encodeURIComponent(filters)}`), { headers: auth() });
    const isNull = await filtered('lastUsed isnull');
    expect(isNull.body.map((c: { name: string }) => c.name)).toEqual(['Postman Sandbox']);
    const before = await filtered('lastUsed le 2024-01-01T00:00:00.000Z');
    expect(before.body.map((c: { id: string }) => c.id)).toEqual(['ef38f94347e94562b5bb8424a56397d8']);
    const either = await filtered('lastUsed le 2024-01-01T00:00:00Z or lastUsed isnull');
    expect(either.body).toHaveLength(2);
    expectBadRequest(await filtered('lastUsed le yesterday'), /not a valid date-time/);
    expectBadRequest(await filtered('name eq "x"'), /not supported for the field name/);
    expectBadRequest(await filtered('lastUsed le'), /ends too early/);
  });

  it('gets one client', async () => {
    const answer = await call(url('/oauth-clients/2c9180835d2e5168015d32f890ca1581'), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: '2c9180835d2e5168015d32f890ca1581', type: 'CONFIDENTIAL', accessType: 'OFFLINE' });
  });

  it('patches patchable fields and serves the new state', async () => {
    const id = '2c9180835d2e5168015d32f890ca1581';
    const before = (await call(url(`/oauth-clients/${id}`), { headers: auth() })).body;
    const answer = await patch(id, [
      { op: 'test', path: '/accessType', value: 'OFFLINE' },
      { op: 'replace', path: '/description', value: 'Rotated by the gateway test' },
      { op: 'add', path: '/redirectUris/-', value: 'https://acmesolar.service-now.com/alt_redirect.do' },
      { op: 'replace', path: '/strongAuthSupported', value: true },
      { op: 'replace', path: '/businessName', value: null },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      description: 'Rotated by the gateway test',
      strongAuthSupported: true,
      businessName: null,
      secret: null,
      redirectUris: [...before.redirectUris, 'https://acmesolar.service-now.com/alt_redirect.do'],
    });
    expect(Date.parse(answer.body.modified)).toBeGreaterThan(Date.parse(before.modified));
    const after = await call(url(`/oauth-clients/${id}`), { headers: auth() });
    expect(after.body).toEqual(answer.body);
  });

  it('refuses non-patchable paths, wrong types, failed tests and the wrong media type without changing anything', async () => {
    const id = 'ef38f94347e94562b5bb8424a56397d8';
    const before = (await call(url(`/oauth-clients/${id}`), { headers: auth() })).body;
    expectBadRequest(await patch(id, [{ op: 'replace', path: '/id', value: 'x' }]), /path \/id is not patchable/);
    expectBadRequest(await patch(id, [{ op: 'replace', path: '/enabled', value: 'yes' }]), /\/enabled must be a boolean/);
    expectBadRequest(await patch(id, [{ op: 'replace', path: '/grantTypes/0', value: 'PASSWORD' }]), /grantTypes element 0 must be one of/);
    expectBadRequest(await patch(id, [{ op: 'replace', path: '/accessTokenValiditySeconds', value: 1.5 }]), /int32/);
    expectBadRequest(await patch(id, [{ op: 'remove', path: '/name' }]), /\/name is required/);
    expectBadRequest(
      await patch(id, [
        { op: 'replace', path: '/name', value: 'Renamed' },
        { op: 'test', path: '/enabled', value: false },
      ]),
      /test operation failed/,
    );
    expectBadRequest(await patch(id, [{ op: 'replace', path: '/name', value: 'x' }], 'application/json'), /application\/json-patch\+json/);
    expectBadRequest(await patch(id, { op: 'replace', path: '/name', value: 'x' }), /JSON array/);
    const after = await call(url(`/oauth-clients/${id}`), { headers: auth() });
    expect(after.body).toEqual(before);
  });

  it('answers 404 with the spec example body for an unknown id or path', async () => {
    for (const path of ['/oauth-clients/00000000000000000000000000000000', '/no-such-resource']) {
      const answer = await call(url(path), { headers: auth() });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({
        detailCode: '404 Not found',
        messages: [
          { locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The server did not find a current representation for the target resource.' },
        ],
      });
      expect(answer.body.trackingId).toMatch(HEX32);
    }
  });

  it('answers 401 without a valid bearer token', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: sandbox.services.identitynow.secret },
    ];
    for (const headers of attempts) {
      const answer = await call(url('/oauth-clients'), { headers });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: expect.stringMatching(/^JWT validation failed/) });
    }
  });

  it('answers 400 for a body that is not JSON and 413 for one over 1 MiB', async () => {
    const id = '7b1f0c9d3e2a48d6a5c4b3e2f1d0c9b8';
    const headers = { ...auth(), 'content-type': 'application/json-patch+json' };
    const broken = await call(url(`/oauth-clients/${id}`), { method: 'PATCH', headers, body: '[{"op":' });
    expectBadRequest(broken, /not valid JSON/);
    const huge = await call(url(`/oauth-clients/${id}`), { method: 'PATCH', headers, body: `[${' '.repeat(1024 * 1024)}]` });
    expect(huge.status).toBe(413);
    expect(huge.body.trackingId).toMatch(HEX32);
  });
});

describe('launchdarkly emulator', () => {
  const CLIENT = '50666563-9144-4125-b822-33f308227e45';
  const url = (path: string) => `${sandbox.services.launchdarkly.url}${path}`;
  const auth = () => ({ authorization: sandbox.services.launchdarkly.secret });
  const patch = (id: string, ops: unknown) =>
    call(url(`/api/v2/oauth/clients/${id}`), {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify(ops),
    });

  function expectInvalid(answer: Answer, message: RegExp): void {
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 'invalid_request', message: expect.stringMatching(message), id: expect.stringMatching(UUID) });
  }

  it('serves the API at the origin', () => {
    expect(sandbox.services.launchdarkly.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lists clients as a ClientCollection without secrets', async () => {
    const answer = await call(url('/api/v2/oauth/clients'), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body._links).toEqual({ self: { href: '/api/v2/oauth/clients', type: 'application/json' } });
    expect(answer.body.items).toHaveLength(2);
    for (const client of answer.body.items) {
      expect(client).not.toHaveProperty('_clientSecret');
      expect(client._clientId).toMatch(UUID);
      expect(client._links.parent).toEqual({ href: '/api/v2/oauth/clients', type: 'application/json' });
      expect(client._links.self.href).toBe(`/api/v2/oauth/clients/${client._clientId}`);
      expect(Number.isInteger(client._creationDate)).toBe(true);
    }
  });

  it('gets one client', async () => {
    const answer = await call(url(`/api/v2/oauth/clients/${CLIENT}`), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ _clientId: CLIENT, name: 'Release Dashboard', _accountId: expect.any(String) });
  });

  it('patches name, description and redirectUri and serves the new state', async () => {
    const answer = await patch(CLIENT, [
      { op: 'test', path: '/name', value: 'Release Dashboard' },
      { op: 'replace', path: '/name', value: 'Release Dashboard V2' },
      { op: 'replace', path: '/redirectUri', value: 'https://release-dashboard.example.com/v2/callback' },
      { op: 'remove', path: '/description' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: 'Release Dashboard V2', redirectUri: 'https://release-dashboard.example.com/v2/callback' });
    expect(answer.body).not.toHaveProperty('description');
    const after = await call(url(`/api/v2/oauth/clients/${CLIENT}`), { headers: auth() });
    expect(after.body).toEqual(answer.body);
  });

  it('accepts the {comment, patch} form', async () => {
    const answer = await patch(CLIENT, { comment: 'from the test', patch: [{ op: 'add', path: '/description', value: 'Back again' }] });
    expect(answer.status).toBe(200);
    expect(answer.body.description).toBe('Back again');
  });

  it('refuses other paths, failed tests, non-string values and broken JSON', async () => {
    const before = (await call(url(`/api/v2/oauth/clients/${CLIENT}`), { headers: auth() })).body;
    expectInvalid(await patch(CLIENT, [{ op: 'replace', path: '/_accountId', value: 'other' }]), /\/_accountId cannot be patched/);
    expectInvalid(await patch(CLIENT, [{ op: 'copy', from: '/_clientId', path: '/name' }]), /\/_clientId cannot be patched/);
    expectInvalid(await patch(CLIENT, [{ op: 'test', path: '/name', value: 'Someone else' }]), /test operation failed/);
    expectInvalid(await patch(CLIENT, [{ op: 'replace', path: '/name', value: 42 }]), /name is required and must be a string/);
    expectInvalid(await patch(CLIENT, [{ op: 'remove', path: '/redirectUri' }]), /redirectUri/);
    expectInvalid(await patch(CLIENT, [{ op: 'jump', path: '/name' }]), /op must be one of/);
    const broken = await call(url(`/api/v2/oauth/clients/${CLIENT}`), {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{nope',
    });
    expectInvalid(broken, /Invalid request body/);
    const after = await call(url(`/api/v2/oauth/clients/${CLIENT}`), { headers: auth() });
    expect(after.body).toEqual(before);
  });

  it('answers 404 not_found for an unknown client or path', async () => {
    for (const path of ['/api/v2/oauth/clients/00000000-0000-4000-8000-000000000000', '/api/v2/flags']) {
      const answer = await call(url(path), { headers: auth() });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ code: 'not_found', message: 'Invalid resource identifier', id: expect.stringMatching(UUID) });
    }
  });

  it('answers 401 without the raw access token', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'api-wrong' },
      { authorization: `Bearer ${sandbox.services.launchdarkly.secret}` },
    ];
    for (const headers of attempts) {
      const answer = await call(url('/api/v2/oauth/clients'), { headers });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ code: 'unauthorized', message: 'Invalid access token', id: expect.stringMatching(UUID) });
    }
  });
});

// Each release the emulation can be (SANDBOX_AUTHENTIK_VERSION), with the spec of that release.
const AUTHENTIK_RELEASES = [
  { release: '2024.8', current: '2024.8.1', spec: 'authentik-2024.8.1.openapi.yaml' },
  { release: '2026.2', current: '2026.2.0', spec: 'authentik-2026.2.openapi.yaml' },
] as const;

describe.each(AUTHENTIK_RELEASES)('authentik $release emulator', ({ release, current, spec }) => {
  let authentik: Sandbox;
  const modern = release === '2026.2';
  const schemas = parse(readFileSync(new URL(`../../shared/upstream-specs/${spec}`, import.meta.url), 'utf8')).components.schemas;

  beforeAll(async () => {
    authentik = await startSandbox(loadConfig({ SANDBOX_AUTHENTIK_VERSION: release }).vendorSettings);
  });

  afterAll(async () => {
    await authentik?.close();
  });

  const url = (path: string) => `${authentik.services.authentik.url}${path}`;
  const auth = () => ({ authorization: `Bearer ${authentik.services.authentik.secret}` });
  const patch = (path: string, body: unknown) =>
    call(url(path), { method: 'PATCH', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves the API root at /api/v3', () => {
    expect(authentik.services.authentik.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
  });

  it('answers its version to an authenticated user at /admin/version/', async () => {
    const answer = await call(url('/admin/version/'), { headers: auth() });
    expect(answer.status).toBe(200);
    // Version in authentik's schema.yml (the trimmed specs here leave the endpoint out): all six required.
    expect(Object.keys(answer.body).sort()).toEqual(
      ['build_hash', 'outdated', 'outpost_outdated', 'version_current', 'version_latest', 'version_latest_valid'].sort(),
    );
    expect(answer.body).toMatchObject({ version_current: current, version_latest: current, outdated: false });
    expect((await call(url('/admin/version/'))).status).toBe(401);
  });

  it("answers a provider and a source with exactly the release's response members (client_secret never)", async () => {
    const provider = await call(url('/providers/oauth2/2/'), { headers: auth() });
    const expected = Object.keys(schemas.OAuth2Provider.properties).filter((name) => name !== 'client_secret');
    expect(Object.keys(provider.body)).toEqual(expected);
    const source = await call(url('/sources/oauth/github/'), { headers: auth() });
    expect(Object.keys(source.body)).toEqual(Object.keys(schemas.OAuthSource.properties));
    const list = await call(url('/sources/oauth/'), { headers: auth() });
    expect(Object.keys(list.body).sort()).toEqual(Object.keys(schemas.PaginatedOAuthSourceList.properties).sort());
    expect(provider.body.redirect_uris).toEqual(
      modern
        ? [
            { matching_mode: 'strict', url: 'com.example.fieldservice:/oauth2redirect' },
            { matching_mode: 'strict', url: 'http://localhost:8100/callback' },
          ]
        : 'com.example.fieldservice:/oauth2redirect\nhttp://localhost:8100/callback',
    );
  });

  it("takes redirect URIs in the release's form only, with DRF's errors", async () => {
    const before = (await call(url('/providers/oauth2/1/'), { headers: auth() })).body;
    const wrongForm = await patch('/providers/oauth2/1/', { redirect_uris: modern ? 'https://a.example/cb' : [] });
    expect(wrongForm.status).toBe(400);
    expect(wrongForm.body).toEqual(
      modern
        ? { redirect_uris: { non_field_errors: ['Expected a list of items but got type "str".'] } }
        : { redirect_uris: ['Not a valid string.'] },
    );
    if (modern) {
      const items = await patch('/providers/oauth2/1/', {
        redirect_uris: [{ matching_mode: 'strict', url: 'https://a.example/cb' }, { matching_mode: 'prefix', url: ' ' }, 'x'],
      });
      expect(items.body).toEqual({
        redirect_uris: [
          {},
          { matching_mode: ['"prefix" is not a valid choice.'], url: ['This field may not be blank.'] },
          { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] },
        ],
      });
      const regex = await patch('/providers/oauth2/1/', { redirect_uris: [{ matching_mode: 'regex', url: '*' }] });
      expect(regex.body).toEqual({ redirect_uris: ['Invalid Regex Pattern: *'] });
    }
    expect((await call(url('/providers/oauth2/1/'), { headers: auth() })).body).toEqual(before);
    const rules = [
      { matching_mode: 'regex', url: 'https://.*\\.example\\.com/cb' },
      { matching_mode: 'strict', url: 'https://a.example/cb' },
    ];
    const written = await patch('/providers/oauth2/1/', { redirect_uris: modern ? rules : '  https://a.example/cb\n.*  ' });
    expect(written.status).toBe(200);
    // DRF's CharField trims the string's ends.
    expect(written.body.redirect_uris).toEqual(modern ? rules : 'https://a.example/cb\n.*');
  });

  it("takes the release's members, limits and values only", async () => {
    const newer = await patch('/sources/oauth/google/', {
      slug: 'g'.repeat(60),
      provider_type: 'entraid',
      pkce: 'S256',
      promoted: true,
      oidc_jwks: modern ? [] : ['any', 'JSON'],
    });
    if (modern) {
      expect(newer.body).toEqual({ oidc_jwks: ['Value must be a dictionary, and not have any duplicate keys.'] });
      const taken = await patch('/sources/oauth/google/', { slug: 'g'.repeat(60), provider_type: 'entraid', pkce: 'S256', promoted: true });
      expect(taken.status).toBe(200);
      expect(taken.body).toMatchObject({ slug: 'g'.repeat(60), provider_type: 'entraid', pkce: 'S256', promoted: true });
      const back = await patch(`/sources/oauth/${'g'.repeat(60)}/`, {
        slug: 'google',
        provider_type: 'google',
        pkce: 'none',
        promoted: false,
      });
      expect(back.status).toBe(200);
    } else {
      expect(newer.body).toEqual({
        slug: ['Ensure this field has no more than 50 characters.'],
        provider_type: ['"entraid" is not a valid choice.'],
      });
    }
    const provider = await patch('/providers/oauth2/2/', {
      jwt_federation_providers: ['one'],
      logout_uri: 'not a url',
      refresh_token_threshold: 'soon',
      jwks_sources: 'x',
    });
    expect(provider.body).toEqual(
      modern
        ? {
            refresh_token_threshold: ["soon is not in the correct format of 'hours=3;minutes=1'."],
            logout_uri: ['Enter a valid URL.'],
            jwt_federation_providers: ['Incorrect type. Expected pk value, received str.'],
          }
        : { jwks_sources: ['Expected a list of items but got type "str".'] },
    );
  });

  it('lists providers with the Pagination object', async () => {
    const answer = await call(url('/providers/oauth2/'), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body.pagination).toEqual({ next: 0, previous: 0, count: 2, current: 1, total_pages: 1, start_index: 1, end_index: 2 });
    expect(answer.body.results.map((p: { pk: number }) => p.pk).sort()).toEqual([1, 2]);
    for (const provider of answer.body.results) {
      expect(provider).not.toHaveProperty('client_secret');
      expect(provider).toMatchObject({
        component: 'ak-provider-oauth2-form',
        meta_model_name: 'authentik_providers_oauth2.oauth2provider',
      });
    }
  });

  it('pages, searches and orders lists', async () => {
    const second = await call(url('/sources/oauth/?page_size=2&page=2&ordering=slug'), { headers: auth() });
    expect(second.body.pagination).toEqual({ next: 0, previous: 1, count: 3, current: 2, total_pages: 2, start_index: 3, end_index: 3 });
    expect(second.body.results).toHaveLength(1);
    const found = await call(url('/sources/oauth/?search=goo'), { headers: auth() });
    expect(found.body.results.map((s: { slug: string }) => s.slug)).toEqual(['google']);
    const ordered = await call(url('/providers/oauth2/?ordering=-pk'), { headers: auth() });
    expect(ordered.body.results.map((p: { pk: number }) => p.pk)).toEqual([2, 1]);
    const beyond = await call(url('/providers/oauth2/?page=9'), { headers: auth() });
    expect(beyond.status).toBe(404);
    expect(beyond.body).toEqual({ detail: 'Invalid page.' });
  });

  it('gets one provider and refuses ids that are not positive integers', async () => {
    const answer = await call(url('/providers/oauth2/1/'), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ pk: 1, name: 'Grafana', client_type: 'confidential' });
    for (const id of ['99', '0', '-1', 'abc', '1.0']) {
      const missing = await call(url(`/providers/oauth2/${id}/`), { headers: auth() });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: 'Not found.' });
    }
  });

  it('partially updates a provider, ignoring unknown and read-only keys, and never returns client_secret', async () => {
    const answer = await patch('/providers/oauth2/2/', {
      name: 'Field Service Mobile (v2)',
      access_token_validity: 'hours=2;minutes=30',
      include_claims_in_id_token: true,
      client_secret: 'new-secret',
      pk: 42,
      component: 'other',
      not_a_field: 1,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      pk: 2,
      name: 'Field Service Mobile (v2)',
      access_token_validity: 'hours=2;minutes=30',
      include_claims_in_id_token: true,
      component: 'ak-provider-oauth2-form',
    });
    expect(answer.body).not.toHaveProperty('client_secret');
    expect(answer.body).not.toHaveProperty('not_a_field');
    const after = await call(url('/providers/oauth2/2/'), { headers: auth() });
    expect(after.body).toEqual(answer.body);
  });

  it('answers DRF field errors for refused provider values', async () => {
    const before = (await call(url('/providers/oauth2/1/'), { headers: auth() })).body;
    const answer = await patch('/providers/oauth2/1/', {
      name: null,
      client_type: 'x',
      refresh_token_validity: 'forever',
      authorization_flow: 'not-a-uuid',
      authentication_flow: null,
      sub_mode: 'user_email',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      name: ['This field may not be null.'],
      client_type: ['"x" is not a valid choice.'],
      refresh_token_validity: ["forever is not in the correct format of 'hours=3;minutes=1'."],
      authorization_flow: ['\u201cnot-a-uuid\u201d is not a valid UUID.'],
    });
    expect((await patch('/providers/oauth2/1/', { client_id: 'x'.repeat(256) })).body).toEqual({
      client_id: ['Ensure this field has no more than 255 characters.'],
    });
    expect((await patch('/providers/oauth2/1/', { name: '  ' })).body).toEqual({ name: ['This field may not be blank.'] });
    const after = await call(url('/providers/oauth2/1/'), { headers: auth() });
    expect(after.body).toEqual(before);
  });

  it('lists and gets sources with their read-only fields and no consumer_secret', async () => {
    const answer = await call(url('/sources/oauth/'), { headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body.pagination.count).toBe(3);
    expect(answer.body.results.map((s: { provider_type: string }) => s.provider_type).sort()).toEqual([
      'github',
      'google',
      'openidconnect',
    ]);
    const github = await call(url('/sources/oauth/github/'), { headers: auth() });
    expect(github.body).toMatchObject({
      slug: 'github',
      component: 'ak-source-oauth-form',
      callback_url: '/source/oauth/callback/github/',
      managed: null,
      type: { name: 'github', verbose_name: 'GitHub', urls_customizable: true },
    });
    expect(github.body).not.toHaveProperty('consumer_secret');
  });

  it('answers DRF field errors for refused source values', async () => {
    const bad = await patch('/sources/oauth/google/', { slug: '../x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ slug: ['Enter a valid \u201cslug\u201d consisting of letters, numbers, underscores or hyphens.'] });
    const taken = await patch('/sources/oauth/google/', { slug: 'github' });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ slug: ['Source with this slug already exists.'] });
    const nulls = await patch('/sources/oauth/google/', {
      name: null,
      enabled: 'perhaps',
      provider_type: 'myspace',
      user_property_mappings: ['nope'],
    });
    expect(nulls.body).toEqual({
      name: ['This field may not be null.'],
      enabled: ['Must be a valid boolean.'],
      user_property_mappings: ['\u201cnope\u201d is not a valid UUID.'],
      provider_type: ['"myspace" is not a valid choice.'],
    });
    const notObject = await patch('/sources/oauth/google/', ['slug']);
    expect(notObject.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    const broken = await call(url('/sources/oauth/google/'), {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(/^JSON parse error/);
  });

  it('moves a source to its new slug when the slug is renamed', async () => {
    const answer = await patch('/sources/oauth/corporate-sso/', { slug: 'keycloak', authorization_url: null, enabled: false });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      slug: 'keycloak',
      callback_url: '/source/oauth/callback/keycloak/',
      authorization_url: null,
      enabled: false,
    });
    expect((await call(url('/sources/oauth/corporate-sso/'), { headers: auth() })).status).toBe(404);
    const moved = await call(url('/sources/oauth/keycloak/'), { headers: auth() });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual(answer.body);
  });

  it('answers 404 Not found for an unknown slug or path', async () => {
    for (const path of ['/sources/oauth/nope/', '/core/users/', '/providers/oauth2/1']) {
      const answer = await call(url(path), { headers: auth() });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ detail: 'Not found.' });
    }
  });

  it('answers 401 with WWW-Authenticate without a valid bearer token', async () => {
    const missing = await call(url('/providers/oauth2/'));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="authentik"');
    expect(missing.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    const wrong = await call(url('/sources/oauth/'), { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="authentik"');
    expect(wrong.body).toEqual({ detail: 'Token invalid/expired' });
  });

  it('answers 405 for methods it does not emulate', async () => {
    const answer = await call(url('/providers/oauth2/1/'), { method: 'PUT', headers: auth() });
    expect(answer.status).toBe(405);
    expect(answer.body).toEqual({ detail: 'Method "PUT" not allowed.' });
  });
});

describe('startSandbox', () => {
  it('gives every start its own state and credentials', async () => {
    const other = await startSandbox();
    try {
      expect(other.services.authentik.secret).not.toBe(sandbox.services.authentik.secret);
      expect(other.services.identitynow.secret).not.toBe(sandbox.services.identitynow.secret);
      expect(other.services.launchdarkly.secret).not.toBe(sandbox.services.launchdarkly.secret);
      await patch(other);
      const here = await call(`${sandbox.services.launchdarkly.url}/api/v2/oauth/clients/b3a1f0c2-7d4e-4c8a-9f61-2e5d8a7c4b10`, {
        headers: { authorization: sandbox.services.launchdarkly.secret },
      });
      expect(here.body.name).toBe('Flag Bot for Slack');
    } finally {
      await other.close();
    }
  });

  async function patch(other: Sandbox): Promise<void> {
    const answer = await call(`${other.services.launchdarkly.url}/api/v2/oauth/clients/b3a1f0c2-7d4e-4c8a-9f61-2e5d8a7c4b10`, {
      method: 'PATCH',
      headers: { authorization: other.services.launchdarkly.secret, 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'Changed elsewhere' }]),
    });
    expect(answer.status).toBe(200);
  }
});
