import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { GraphQLError } from 'graphql';
import { ConfigError, loadConfig } from '../../src/config.js';
import { partialUpdateBody, type WriteSurface } from '../../src/services/authentik/partial-update.js';
import { rulesFromString, stringForWrite, stringFromRules, type RedirectUriRule } from '../../src/services/authentik/redirect-uris.js';
import { ReleaseDetector, REMEMBERED_MS, VERSION_OPERATION } from '../../src/services/authentik/release-detection.js';
import { parseRelease, release, type Release } from '../../src/services/authentik/releases.js';
import {
  fieldsAt,
  HTTP_URL,
  PROVIDER_FIELDS,
  PROVIDER_RESPONSE,
  responseAt,
  SLUG_PATTERN,
  SOURCE_FIELDS,
  SOURCE_RESPONSE,
  TIMEDELTA,
  type RequestMembers,
  type ResponseMembers,
} from '../../src/services/authentik/spec.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from '../../src/upstream/client.js';
import type { ValueSchema } from '../../src/value-schema.js';

// The two specs, read where the project keeps them (never copied into it).
const SPECS = new URL('../../../shared/upstream-specs/', import.meta.url);

type Schema = Record<string, any>;
interface Spec {
  schemas: Record<string, Schema>;
}

function readSpec(file: string): Spec {
  return { schemas: parse(readFileSync(new URL(file, SPECS), 'utf8')).components.schemas };
}

/** A spec property as the transcription writes it: $ref and allOf resolved, descriptions and titles dropped. */
function fromSpec(spec: Spec, property: Schema): ValueSchema {
  const ref = property.$ref ?? property.allOf?.[0]?.$ref;
  if (ref) {
    const target = spec.schemas[ref.split('/').at(-1)]!;
    if (target.enum) return { type: 'enum', values: target.enum };
    return fromSpec(spec, target);
  }
  const nullable = property.nullable ? { nullable: true } : {};
  switch (property.type) {
    case 'string':
      return {
        type: 'string',
        ...nullable,
        ...(property.minLength !== undefined ? { minLength: property.minLength } : {}),
        ...(property.maxLength !== undefined ? { maxLength: property.maxLength } : {}),
        ...(property.pattern ? { pattern: property.pattern } : {}),
        ...(property.format ? { format: property.format } : {}),
      } as ValueSchema;
    case 'integer':
    case 'boolean':
      return { type: property.type, ...nullable };
    case 'array':
      return { type: 'array', ...nullable, items: fromSpec(spec, property.items) };
    case 'object':
      return property.properties
        ? {
            type: 'object',
            ...nullable,
            properties: Object.fromEntries(Object.entries(property.properties).map(([k, v]) => [k, fromSpec(spec, v as Schema)])),
            required: property.required,
          }
        : { type: 'object', ...nullable };
    default:
      return { type: 'any', ...nullable };
  }
}

/** The transcription's schema in the spec's terms: authentik's own formats are the spec's strings (format uri for HTTP_URL). */
function asSpecSays(schema: ValueSchema): unknown {
  switch (schema.type) {
    case 'string': {
      const { check, patternHint: _hint, pattern, ...rest } = schema;
      return {
        ...rest,
        ...(pattern ? { pattern: pattern === SLUG_PATTERN ? '^[-a-zA-Z0-9_]+$' : pattern.source } : {}),
        ...(check === HTTP_URL ? { format: 'uri' } : {}),
      };
    }
    case 'array':
      return { ...schema, items: asSpecSays(schema.items) };
    case 'object':
      return schema.properties
        ? {
            ...schema,
            properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, asSpecSays(v)])),
            required: [...(schema.required ?? [])],
          }
        : schema;
    case 'enum':
      return { ...schema, values: [...schema.values] };
    default:
      return schema;
  }
}

const RELEASES: Array<[file: string, at: Release]> = [
  ['authentik-2024.8.1.openapi.yaml', release('2024.8.1')],
  ['authentik-2026.2.openapi.yaml', release('2026.2.0')],
];

const RESOURCES: Array<[name: string, members: RequestMembers, response: ResponseMembers, writeOnly: string[]]> = [
  ['OAuth2Provider', PROVIDER_FIELDS, PROVIDER_RESPONSE, []],
  ['OAuthSource', SOURCE_FIELDS, SOURCE_RESPONSE, ['consumer_secret']],
];

describe.each(RELEASES)('the transcription at %s is the spec', (file, at) => {
  const spec = readSpec(file);

  describe.each(RESOURCES)('%s', (name, members, response, writeOnly) => {
    const fields = fieldsAt(members, at);
    const patched = spec.schemas[`Patched${name}Request`]!;
    const create = spec.schemas[`${name}Request`]!;

    it('has exactly the members of the Patched request', () => {
      expect(Object.keys(fields).sort()).toEqual(Object.keys(patched.properties).sort());
    });

    it.each(Object.keys(patched.properties))('%s has the spec constraints', (member) => {
      expect(asSpecSays(fields[member]!.schema)).toEqual(fromSpec(spec, patched.properties[member]));
    });

    it('requires on create what the create request requires', () => {
      const required = Object.entries(fields)
        .filter(([, field]) => field.requiredOnCreate)
        .map(([member]) => member);
      expect(required.sort()).toEqual([...create.required].sort());
    });

    it('answers the members of the response, in its order', () => {
      expect(responseAt(response, at)).toEqual(Object.keys(spec.schemas[name]!.properties));
      for (const member of writeOnly) expect(patched.properties[member].writeOnly).toBe(true);
    });
  });
});

describe('the transcription between the specs', () => {
  const at = (name: string) => release(name);
  it.each<[string, string, string, boolean]>([
    ['providers', 'invalidation_flow', '2024.9.0', false],
    ['providers', 'invalidation_flow', '2024.10.0', true],
    ['providers', 'jwks_sources', '2024.11.9', true],
    ['providers', 'jwks_sources', '2024.12.0', false],
    ['providers', 'jwt_federation_sources', '2024.12.0', true],
    ['providers', 'refresh_token_threshold', '2025.8.6', false],
    ['providers', 'logout_method', '2025.10.0', true],
    ['sources', 'authorization_code_auth_method', '2025.2.0', false],
    ['sources', 'authorization_code_auth_method', '2025.4.0', true],
    ['sources', 'pkce', '2025.10.0', true],
    ['sources', 'promoted', '2025.10.4', false],
    ['sources', 'icon', '2025.12.0', true],
  ])('%s %s in %s: %s', (kind, member, name, present) => {
    const fields = fieldsAt(kind === 'providers' ? PROVIDER_FIELDS : SOURCE_FIELDS, at(name));
    expect(Object.hasOwn(fields, member)).toBe(present);
  });

  it.each<[string, string]>([
    ['2024.8.4', 'string'],
    ['2024.8.5', 'array'],
    ['2024.8.6', 'array'],
    ['2024.10.0', 'string'],
    ['2024.10.2', 'string'],
    ['2024.10.3', 'array'],
    ['2026.2.0', 'array'],
  ])('redirect_uris in %s: %s (the fix of CVE-2024-52289)', (name, type) => {
    expect(fieldsAt(PROVIDER_FIELDS, at(name)).redirect_uris!.schema.type).toBe(type);
  });

  it('slugs: at most 50 characters until 2025.12, unbounded since', () => {
    const slug = (name: string) => fieldsAt(SOURCE_FIELDS, at(name)).slug!.schema as { maxLength?: number };
    expect(slug('2025.10.4').maxLength).toBe(50);
    expect(slug('2025.12.0').maxLength).toBeUndefined();
  });

  it('provider types: entraid from 2025.8, slack and wechat from 2025.12', () => {
    const types = (name: string) => (fieldsAt(SOURCE_FIELDS, at(name)).provider_type!.schema as { values: readonly string[] }).values;
    expect(types('2025.6.0')).not.toContain('entraid');
    expect(types('2025.8.0')).toContain('entraid');
    expect(types('2025.10.0')).not.toContain('slack');
    expect(types('2025.12.0')).toEqual(expect.arrayContaining(['slack', 'wechat', 'entraid', 'azuread']));
  });

  it('icon_themed_urls came with 2025.12.2, icon_url with 2025.12.0', () => {
    expect(responseAt(SOURCE_RESPONSE, at('2025.12.1'))).toContain('icon_url');
    expect(responseAt(SOURCE_RESPONSE, at('2025.12.1'))).not.toContain('icon_themed_urls');
    expect(responseAt(SOURCE_RESPONSE, at('2025.12.2'))).toContain('icon_themed_urls');
  });

  it('durations keep their authentik format in every release', () => {
    expect((fieldsAt(PROVIDER_FIELDS, at('2026.2.0')).refresh_token_threshold!.schema as { check?: unknown }).check).toBe(TIMEDELTA);
  });
});

describe('parseRelease', () => {
  it.each<[string, string | undefined]>([
    ['2024.8.1', '2024.8.1'],
    ['2026.2', '2026.2.0'],
    ['2026.2.3-rc1', '2026.2.3'],
    [' 2025.10.4 ', '2025.10.4'],
    ['2025.12.0+build.5', '2025.12.0'],
    ['v2026.2.0', undefined],
    ['2026', undefined],
    ['latest', undefined],
    ['', undefined],
    ['2026.2.0.1', undefined],
  ])('%j → %s', (text, name) => {
    expect(parseRelease(text)?.name).toBe(name);
  });

  it('orders releases by year, minor and patch', () => {
    expect(release('2024.10.0').key).toBeGreaterThan(release('2024.8.6').key);
    expect(release('2025.2.0').key).toBeGreaterThan(release('2024.12.5').key);
  });
});

describe('redirect URIs: migration 0024', () => {
  const strict = (url: string): RedirectUriRule => ({ matching_mode: 'strict', url });
  const regex = (url: string): RedirectUriRule => ({ matching_mode: 'regex', url });

  it.each<[string, RedirectUriRule[]]>([
    ['https://a.example/cb', [strict('https://a.example/cb')]],
    ['a\nb', [strict('a'), strict('b')]],
    // One entry with an empty URL, not an empty list.
    ['', [strict('')]],
    ['a\n', [strict('a'), strict('')]],
    ['a\n\nb', [strict('a'), strict(''), strict('b')]],
    ['a\r\nb', [strict('a\r'), strict('b')]],
    [' a ', [strict(' a ')]],
    ['a b', [strict('a b')]],
    ['*', [regex('*')]],
    ['.*', [regex('.*')]],
    ['a\n.*', [strict('a'), regex('.*')]],
    // No regex detection: only exactly * and .* become REGEX.
    ['https://.*\\.example\\.com/cb', [strict('https://.*\\.example\\.com/cb')]],
    ['^https://a$', [strict('^https://a$')]],
    [' *', [strict(' *')]],
  ])('%j', (text, rules) => {
    expect(rulesFromString(text)).toEqual(rules);
  });

  it.each<[RedirectUriRule[], string | undefined]>([
    [[], ''],
    [[strict('a'), strict('b')], 'a\nb'],
    [[strict('')], ''],
    [[strict('a'), regex('.*')], 'a\n.*'],
    [[regex('*')], '*'],
    [[regex('https://.*')], undefined],
    [[strict('*')], undefined],
    [[strict('.*')], undefined],
    [[strict('a\nb')], undefined],
    [[strict('a b')], 'a b'],
  ])('read as the string: %j → %j', (rules, text) => {
    expect(stringFromRules(rules)).toBe(text);
  });

  it('reading a string back gives the rules it was read from, wherever there is a string', () => {
    for (const rules of [[strict('a'), strict(''), regex('*')], [strict('a b')], [regex('.*')], [strict('x')]]) {
      expect(rulesFromString(stringFromRules(rules)!)).toEqual(rules);
    }
  });

  it.each<[RedirectUriRule[], number, RegExp]>([
    [[strict('a'), regex('https://.*\\.example')], 1, /no matching mode/],
    [[strict('*')], 0, /REGEX rule, not a STRICT one/],
    [[strict('a\nb')], 0, /line break/],
    [[strict('a b')], 0, /whitespace/],
    [[strict(' a')], 0, /whitespace/],
    [[strict('a\t')], 0, /whitespace/],
    [[strict('a\u00a0b')], 0, /whitespace/],
    [[strict('a\x1cb')], 0, /whitespace/],
  ])('refused for writing: %j (rule %i)', (rules, index, problem) => {
    const written = stringForWrite(rules);
    expect(written).toMatchObject({ index });
    expect('problem' in written && written.problem).toMatch(problem);
  });

  it('written: rules the migration reads back as they are', () => {
    expect(stringForWrite([strict('https://a.example/cb'), regex('.*')])).toEqual({ value: 'https://a.example/cb\n.*' });
    expect(stringForWrite([])).toEqual({ value: '' });
  });
});

describe('AUTHENTIK_API_VERSION and SANDBOX_AUTHENTIK_VERSION', () => {
  const authentik = (env: Record<string, string>) => loadConfig(env).vendorSettings.authentik;

  it('name a release, or leave it to the server and the sandbox to 2026.2', () => {
    expect(authentik({})).toEqual({ sandboxRelease: release('2026.2.0') });
    expect(authentik({ AUTHENTIK_API_VERSION: '2024.8.1' })).toEqual({ release: release('2024.8.1'), sandboxRelease: release('2026.2.0') });
    expect(authentik({ SANDBOX_AUTHENTIK_VERSION: '2024.8' })).toEqual({ sandboxRelease: release('2024.8.1') });
    expect(authentik({ SANDBOX_AUTHENTIK_VERSION: '2026.2.0' })).toEqual({ sandboxRelease: release('2026.2.0') });
  });

  it('are kept with the configured service', () => {
    const config = loadConfig({
      AUTHENTIK_URL: 'https://auth.example.com/api/v3',
      AUTHENTIK_API_VERSION: '2025.10',
      GATEWAY_ALLOW_ANONYMOUS: 'true',
    });
    expect(config.services.authentik?.settings).toEqual({ release: release('2025.10.0'), sandboxRelease: release('2026.2.0') });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ AUTHENTIK_API_VERSION: 'latest' }, /^AUTHENTIK_API_VERSION must be an authentik release/],
    [{ AUTHENTIK_API_VERSION: 'v2026.2' }, /^AUTHENTIK_API_VERSION/],
    [{ SANDBOX_AUTHENTIK_VERSION: '2025.10' }, /^SANDBOX_AUTHENTIK_VERSION must be 2024.8 or 2026.2$/],
    [{ SANDBOX_AUTHENTIK_VERSION: 'new' }, /^SANDBOX_AUTHENTIK_VERSION/],
  ])('refuse %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('ReleaseDetector', () => {
  const answer = (json: unknown, status = 200): UpstreamResponse => ({ status, headers: {}, json, text: JSON.stringify(json) });

  function fakeUpstream(reply: () => Promise<UpstreamResponse>): { calls: UpstreamRequest[]; http: Upstream } {
    const calls: UpstreamRequest[] = [];
    return {
      calls,
      http: {
        service: 'authentik',
        request: (req) => {
          calls.push(req);
          return reply();
        },
      },
    };
  }

  const version = (name: string) => async () => answer({ version_current: name, version_latest: name });

  it('asks GET /admin/version/ once for concurrent askers with the same credential', async () => {
    let answerWith!: (res: UpstreamResponse) => void;
    const { calls, http } = fakeUpstream(() => new Promise((resolve) => (answerWith = resolve)));
    const detector = new ReleaseDetector();
    const asked = [detector.release(http, ''), detector.release(http, '')];
    answerWith(answer({ version_current: '2026.2.0' }));
    expect((await Promise.all(asked)).map((r) => r.name)).toEqual(['2026.2.0', '2026.2.0']);
    expect(calls).toEqual([{ operation: VERSION_OPERATION, method: 'GET', path: '/admin/version/' }]);
    await detector.release(http, '');
    expect(calls).toHaveLength(1);
  });

  it('a caller with another credential does not wait on a question it did not ask', async () => {
    const { calls, http } = fakeUpstream(() => new Promise(() => {}));
    const { calls: others, http: other } = fakeUpstream(version('2024.8.1'));
    const detector = new ReleaseDetector();
    void detector.release(http, 'caller-token');
    expect((await detector.release(other, '')).name).toBe('2024.8.1');
    expect([calls.length, others.length]).toEqual([1, 1]);
  });

  it('remembers the release for REMEMBERED_MS, then asks again', async () => {
    let now = 0;
    let current = '2024.8.1';
    const { calls, http } = fakeUpstream(async () => answer({ version_current: current }));
    const detector = new ReleaseDetector(() => now);
    expect((await detector.release(http, '')).name).toBe('2024.8.1');
    current = '2026.2.0';
    now = REMEMBERED_MS - 1;
    expect((await detector.release(http, '')).name).toBe('2024.8.1');
    now = REMEMBERED_MS;
    expect((await detector.release(http, '')).name).toBe('2026.2.0');
    expect(calls).toHaveLength(2);
  });

  it('does not remember a failure: the request that asked fails, the next one asks again', async () => {
    let reply: UpstreamResponse = answer({ detail: 'Authentication credentials were not provided.' }, 403);
    const { calls, http } = fakeUpstream(async () => reply);
    const detector = new ReleaseDetector();
    const error = await detector.release(http, '').catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: expect.stringMatching(
        /^The gateway asks authentik for its release .*Authentication credentials were not provided\. .*AUTHENTIK_API_VERSION/,
      ),
      extensions: { code: 'FORBIDDEN', upstream: { service: 'authentik', status: 403, operation: VERSION_OPERATION } },
    });
    reply = answer({ version_current: '2025.10.4' });
    expect((await detector.release(http, '')).name).toBe('2025.10.4');
    expect(calls).toHaveLength(2);
  });

  it('a failure once the release is known keeps the release answered before', async () => {
    let now = 0;
    let reply = answer({ version_current: '2026.2.0' });
    const { calls, http } = fakeUpstream(async () => reply);
    const detector = new ReleaseDetector(() => now);
    await detector.release(http, '');
    reply = answer({ detail: 'A server error occurred.' }, 500);
    now = REMEMBERED_MS;
    expect((await detector.release(http, '')).name).toBe('2026.2.0');
    expect((await detector.release(http, '')).name).toBe('2026.2.0');
    expect(calls).toHaveLength(2);
  });

  it.each<[string, UpstreamResponse, string]>([
    ['no version_current', answer({ version_latest: '2026.2.0' }), 'UPSTREAM_ERROR'],
    ['a version_current that is no release', answer({ version_current: 'dev' }), 'UPSTREAM_ERROR'],
    ['not JSON', { status: 200, headers: {}, json: undefined, text: '<html>' }, 'UPSTREAM_ERROR'],
    ['404: no version endpoint (a proxy in front)', answer({ detail: 'Not found.' }, 404), 'UPSTREAM_ERROR'],
    ['401', answer({ detail: 'Token invalid/expired' }, 401), 'UNAUTHENTICATED'],
    ['429', answer({ detail: 'Request was throttled.' }, 429), 'RATE_LIMITED'],
  ])('%s: %s', async (_name, reply, code) => {
    const { http } = fakeUpstream(async () => reply);
    const error = await new ReleaseDetector().release(http, '').catch((e: unknown) => e);
    expect(error).toMatchObject({ extensions: { code } });
    expect((error as Error).message).toMatch(/AUTHENTIK_API_VERSION/);
  });
});

describe('partialUpdateBody asks for the release only when the answer depends on it', () => {
  const SOURCES: WriteSurface = { members: SOURCE_FIELDS };

  // Like serverRelease, the question is asked once however often the answer is wanted.
  async function update(input: Record<string, unknown>, name: string) {
    let asked = false;
    const at = release(name);
    const ask = async () => {
      asked = true;
      return at;
    };
    try {
      const { body } = await partialUpdateBody(input, SOURCES, ask);
      return { asked, body };
    } catch (error) {
      return { asked, refused: (error as GraphQLError).extensions.fieldErrors };
    }
  }

  it.each<[string, Record<string, unknown>, string, { asked: boolean; body?: unknown; refused?: unknown }]>([
    ['a member every release has alike', { enabled: false, name: 'x' }, '2024.8.1', { asked: false, body: { enabled: false, name: 'x' } }],
    ['a slug every release takes', { slug: 's'.repeat(50) }, '2024.8.1', { asked: false, body: { slug: 's'.repeat(50) } }],
    [
      'a value every release refuses alike',
      { name: null },
      '2026.2.0',
      { asked: false, refused: [{ field: 'name', messages: ['may not be null.'] }] },
    ],
    ['an enum value every release has', { providerType: 'github' }, '2024.8.1', { asked: false, body: { provider_type: 'github' } }],
    [
      'a slug over 50 on 2024.8',
      { slug: 's'.repeat(51) },
      '2024.8.1',
      { asked: true, refused: [{ field: 'slug', messages: ['must have at most 50 characters in authentik 2024.8.1.'] }] },
    ],
    ['a slug over 50 on 2026.2', { slug: 's'.repeat(51) }, '2026.2.0', { asked: true, body: { slug: 's'.repeat(51) } }],
    [
      'an enum value newer than the release',
      { providerType: 'entraid' },
      '2025.6.0',
      {
        asked: true,
        refused: [{ field: 'providerType', messages: ['ENTRAID is not in authentik 2025.6 (it is in authentik 2025.8 and later).'] }],
      },
    ],
    [
      'the same value on a release that has it',
      { providerType: 'entraid' },
      '2025.8.0',
      { asked: true, body: { provider_type: 'entraid' } },
    ],
    [
      'a member newer than the release',
      { pkce: 'S256', promoted: true },
      '2025.10.0',
      {
        asked: true,
        refused: [{ field: 'promoted', messages: ['authentik 2025.10 does not have this field (it is in authentik 2025.12 and later).'] }],
      },
    ],
    ['oidcJwks not an object on 2024.8', { oidcJwks: [1] }, '2024.8.1', { asked: true, body: { oidc_jwks: [1] } }],
    [
      'oidcJwks not an object on 2026.2',
      { oidcJwks: [1] },
      '2026.2.0',
      { asked: true, refused: [{ field: 'oidcJwks', messages: ['must be an object in authentik 2026.2.'] }] },
    ],
    ['oidcJwks an object', { oidcJwks: { keys: [] } }, '2026.2.0', { asked: false, body: { oidc_jwks: { keys: [] } } }],
  ])('%s', async (_name, input, name, expected) => {
    expect(await update(input, name)).toEqual(expected);
  });
});
