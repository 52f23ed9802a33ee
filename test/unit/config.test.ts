import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';

type Env = Record<string, string>;

function refusal(env: Env): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('loadConfig: defaults', () => {
  it('an empty environment: the sandbox on loopback with the README defaults', () => {
    const config = loadConfig({});
    expect(config).toStrictEqual({
      host: '127.0.0.1',
      port: 4000,
      logLevel: 'info',
      server: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024 },
      sandbox: true,
      services: {},
      // The sandbox emulates the newer of the two authentik releases; AUTHENTIK_API_VERSION unset: the gateway asks.
      vendorSettings: { authentik: { sandboxRelease: { name: '2026.2.0', key: 20260200 } } },
      explicitRates: {},
      sandboxSeed: { extraApplications: 0 },
      upstream: {
        timeoutMs: 10_000,
        connectTimeoutMs: 3_000,
        headersTimeoutMs: 8_000,
        bodyTimeoutMs: 8_000,
        maxResponseBytes: 5_242_880,
        maxConnections: 32,
        readBackTimeoutMs: 3_000,
        retry: { retries: 2, backoffMs: 200, maxRetryAfterMs: 5_000 },
        coalesceReads: true,
        cacheTtlMs: 0,
        cacheMaxEntries: 1000,
      },
      shutdownTimeoutMs: 10_000,
      production: false,
      auth: { apiKeys: [] },
      limits: {
        maxDepth: 10,
        maxAliases: 15,
        maxTokens: 1000,
        maxUpstreamCalls: 10,
        maxListPages: 50,
        maxEntities: 100,
        maxPatchOps: 100,
        maxBodyBytes: 1_048_576,
        maxStringLength: 10_000,
      },
      introspection: true,
      graphiql: true,
      corsOrigins: [],
      audit: { store: { kind: 'memory' }, retentionDays: 365, failOpen: false },
    } satisfies Config);
  });
});

// [variable, minimum, maximum, where the value lands in Config, factor from the variable to the Config value]
const INTEGERS: Array<[string, number, number, (c: Config) => number, number]> = [
  ['PORT', 0, 65_535, (c) => c.port, 1],
  ['UPSTREAM_TIMEOUT_MS', 1, 300_000, (c) => c.upstream.timeoutMs, 1],
  ['UPSTREAM_CONNECT_TIMEOUT_MS', 1, 60_000, (c) => c.upstream.connectTimeoutMs, 1],
  ['UPSTREAM_HEADERS_TIMEOUT_MS', 1, 300_000, (c) => c.upstream.headersTimeoutMs, 1],
  ['UPSTREAM_BODY_TIMEOUT_MS', 1, 300_000, (c) => c.upstream.bodyTimeoutMs, 1],
  ['UPSTREAM_MAX_RESPONSE_BYTES', 1024, 1024 ** 3, (c) => c.upstream.maxResponseBytes, 1],
  ['UPSTREAM_MAX_CONNECTIONS', 1, 4096, (c) => c.upstream.maxConnections, 1],
  ['UPSTREAM_READBACK_TIMEOUT_MS', 1, 60_000, (c) => c.upstream.readBackTimeoutMs, 1],
  ['UPSTREAM_RETRIES', 0, 10, (c) => c.upstream.retry.retries, 1],
  ['UPSTREAM_RETRY_BACKOFF_MS', 0, 60_000, (c) => c.upstream.retry.backoffMs, 1],
  ['UPSTREAM_MAX_RETRY_AFTER_SECONDS', 0, 3600, (c) => c.upstream.retry.maxRetryAfterMs, 1000],
  ['UPSTREAM_CACHE_TTL_MS', 0, 3_600_000, (c) => c.upstream.cacheTtlMs, 1],
  ['UPSTREAM_CACHE_MAX_ENTRIES', 1, 1_000_000, (c) => c.upstream.cacheMaxEntries, 1],
  ['SHUTDOWN_TIMEOUT_MS', 0, 600_000, (c) => c.shutdownTimeoutMs, 1],
  ['GATEWAY_KEEP_ALIVE_TIMEOUT_MS', 100, 600_000, (c) => c.server.keepAliveTimeoutMs, 1],
  ['GATEWAY_MAX_CONNECTIONS', 1, 1_000_000, (c) => c.server.maxConnections, 1],
  ['GATEWAY_MAX_DEPTH', 1, 100, (c) => c.limits.maxDepth, 1],
  ['GATEWAY_MAX_ALIASES', 0, 1000, (c) => c.limits.maxAliases, 1],
  ['GATEWAY_MAX_TOKENS', 50, 100_000, (c) => c.limits.maxTokens, 1],
  ['GATEWAY_MAX_UPSTREAM_CALLS', 1, 1000, (c) => c.limits.maxUpstreamCalls, 1],
  ['GATEWAY_MAX_LIST_PAGES', 1, 10_000, (c) => c.limits.maxListPages, 1],
  ['GATEWAY_MAX_ENTITIES', 1, 10_000, (c) => c.limits.maxEntities, 1],
  ['SANDBOX_EXTRA_APPLICATIONS', 0, 10_000, (c) => c.sandboxSeed.extraApplications, 1],
  ['GATEWAY_MAX_PATCH_OPS', 1, 10_000, (c) => c.limits.maxPatchOps, 1],
  ['GATEWAY_MAX_BODY_BYTES', 1024, 100 * 1024 * 1024, (c) => c.limits.maxBodyBytes, 1],
  ['GATEWAY_MAX_STRING_LENGTH', 100, 10_000_000, (c) => c.limits.maxStringLength, 1],
];

describe.each(INTEGERS)('loadConfig: %s between %i and %i', (name, min, max, read, factor) => {
  it.each<[string, string, number]>([
    ['the minimum', String(min), min],
    ['the maximum', String(max), max],
    ['spaces around', ` ${max} `, max],
    ['leading zeros', `00${min}`, min],
  ])('%s: %j', (_case, value, want) => {
    expect(read(loadConfig({ [name]: value }))).toBe(want * factor);
  });

  // Under a minimum of 0 is a negative number, which is "not an integer" below.
  it.each<[string, string]>([
    ...(min > 0 ? [['one under the minimum', String(min - 1)] as [string, string]] : []),
    ['one over the maximum', String(max + 1)],
    ['far over the maximum', '99999999999999999999'],
  ])('%s: %j', (_case, value) => {
    expect(refusal({ [name]: value })).toBe(`${name} must be between ${min} and ${max}`);
  });

  it.each<[string]>([['1.5'], ['1e3'], ['0x10'], ['+5'], ['-5'], ['5 ms'], ['1_000'], ['ten'], ['٣']])('not an integer: %j', (value) => {
    expect(refusal({ [name]: value })).toBe(`${name} must be an integer`);
  });

  it.each<[string]>([[''], ['   ']])('blank %j is the default', (value) => {
    expect(read(loadConfig({ [name]: value }))).toBe(read(loadConfig({})));
  });
});

describe('loadConfig: rate limits per vendor (<PREFIX>_RATE_LIMIT)', () => {
  const configured = {
    IDENTITYNOW_URL: 'https://acme.api.identitynow.com/beta',
    IDENTITYNOW_TOKEN: 'token-1234567890',
    GATEWAY_ALLOW_ANONYMOUS: 'true',
  };
  it.each<[string, Env, { requests: number; perMs: number } | undefined]>([
    ['IdentityNow by default: its documented 100 per 10 s', configured, { requests: 100, perMs: 10_000 }],
    ['set', { ...configured, IDENTITYNOW_RATE_LIMIT: '50/1m' }, { requests: 50, perMs: 60_000 }],
    ['off', { ...configured, IDENTITYNOW_RATE_LIMIT: 'off' }, undefined],
    ['OFF', { ...configured, IDENTITYNOW_RATE_LIMIT: 'OFF' }, undefined],
  ])('%s', (_name, env, rate) => {
    expect(loadConfig(env).services.identitynow?.rate).toEqual(rate);
  });

  it('authentik documents none, and LaunchDarkly publishes no numbers: no rate unless set', () => {
    const config = loadConfig({
      AUTHENTIK_URL: 'https://auth.example.com/api/v3',
      AUTHENTIK_TOKEN: 'ak-token-1',
      LAUNCHDARKLY_API_KEY: 'api-ld-key-1',
      GATEWAY_ALLOW_ANONYMOUS: 'true',
    });
    expect(config.services.authentik?.rate).toBeUndefined();
    expect(config.services.launchdarkly?.rate).toBeUndefined();
  });

  it('the sandbox applies only a rate set explicitly: its emulations have no quota', () => {
    expect(loadConfig({}).explicitRates).toEqual({});
    expect(loadConfig({ LAUNCHDARKLY_RATE_LIMIT: '5/s' }).explicitRates).toEqual({ launchdarkly: { requests: 5, perMs: 1_000 } });
  });

  it.each<[string]>([['100'], ['100/10h'], ['0/10s'], ['fast'], ['100 per 10s']])('refuses %j, naming the variable', (value) => {
    expect(refusal({ ...configured, IDENTITYNOW_RATE_LIMIT: value })).toMatch(/^IDENTITYNOW_RATE_LIMIT must be a rate such as 100\/10s/);
  });

  it('UPSTREAM_COALESCE_READS turns coalescing off', () => {
    expect(loadConfig({}).upstream.coalesceReads).toBe(true);
    expect(loadConfig({ UPSTREAM_COALESCE_READS: 'false' }).upstream.coalesceReads).toBe(false);
  });
});

describe('loadConfig: upstream credentials', () => {
  const SHAPE = 'must be one token of printable ASCII without spaces, 8 to 8192 characters';
  const root = { AUTHENTIK_URL: 'https://auth.example.com/api/v3', IDENTITYNOW_URL: 'https://acme.api.identitynow.com/beta' };
  // Shorter than 8, a copy an upstream quotes back could not be redacted; a space or a control character is no header value.
  it.each<[string, string]>([
    ['AUTHENTIK_TOKEN', 'ak-1234'],
    ['IDENTITYNOW_TOKEN', 'idn token 1234'],
    ['LAUNCHDARKLY_API_KEY', 'api-ld\u0007key-1234'],
    ['AUTHENTIK_TOKEN', 'ak-token-\u00e9t\u00e9-1234'],
    ['IDENTITYNOW_TOKEN', `idn-${'x'.repeat(8189)}`],
  ])('%s %j is refused, naming the variable and not the value', (name, value) => {
    const message = refusal({ ...root, GATEWAY_ALLOW_ANONYMOUS: 'true', [name]: value });
    expect(message).toBe(`${name} ${SHAPE}`);
    expect(message).not.toContain(value.slice(0, 6));
  });

  it('8 printable characters are a credential', () => {
    expect(loadConfig({ ...root, GATEWAY_ALLOW_ANONYMOUS: 'true', AUTHENTIK_TOKEN: 'ak-12345' }).services.authentik?.credential).toEqual({
      kind: 'static',
      secret: 'ak-12345',
    });
  });
});

describe('loadConfig: the server bounds', () => {
  it.each<[Env, number, number]>([
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '3600000' }, 10_000, 3_600_000],
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '10000' }, 10_000, 10_000],
    [{ GATEWAY_HEADERS_TIMEOUT_MS: '100', GATEWAY_REQUEST_TIMEOUT_MS: '100' }, 100, 100],
  ])('%j', (env, headers, request) => {
    expect(loadConfig(env).server).toMatchObject({ headersTimeoutMs: headers, requestTimeoutMs: request });
  });

  it.each<[Env, string]>([
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '9999' }, 'GATEWAY_HEADERS_TIMEOUT_MS may not be longer than GATEWAY_REQUEST_TIMEOUT_MS'],
    [{ GATEWAY_HEADERS_TIMEOUT_MS: '40000' }, 'GATEWAY_HEADERS_TIMEOUT_MS may not be longer than GATEWAY_REQUEST_TIMEOUT_MS'],
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '99' }, 'GATEWAY_REQUEST_TIMEOUT_MS must be between 100 and 3600000'],
    [{ GATEWAY_HEADERS_TIMEOUT_MS: '600001' }, 'GATEWAY_HEADERS_TIMEOUT_MS must be between 100 and 600000'],
  ])('%j is refused', (env, message) => {
    expect(refusal(env)).toBe(message);
  });
});

describe('loadConfig: GATEWAY_API_KEYS', () => {
  const KEY = 'k'.repeat(16);
  const KEY2 = 'second-key-0123456789';
  const ALL = ['oauth-gateway:read', 'oauth-gateway:write', 'oauth-gateway:audit'];
  const BAD_KEY = (entry: number) => `GATEWAY_API_KEYS entry ${entry}: a key must be 16 to 512 letters, digits or ._~+/=- characters`;

  it.each<[string, string, Array<{ key: string; scopes: string[] }>]>([
    ['unset', '', []],
    ['only separators', ' , ,, ', []],
    ['a key of 16 characters: every scope', KEY, [{ key: KEY, scopes: ALL }]],
    ['a key of 512 characters', 'a'.repeat(512), [{ key: 'a'.repeat(512), scopes: ALL }]],
    ['every allowed character', 'Az09._~+/=-Az09._~+/=-', [{ key: 'Az09._~+/=-Az09._~+/=-', scopes: ALL }]],
    ['read only', `${KEY}:oauth-gateway:read`, [{ key: KEY, scopes: ['oauth-gateway:read'] }]],
    ['write only', `${KEY}:oauth-gateway:write`, [{ key: KEY, scopes: ['oauth-gateway:write'] }]],
    [
      'two scopes, in the order given',
      `${KEY}:oauth-gateway:write oauth-gateway:read`,
      [{ key: KEY, scopes: ['oauth-gateway:write', 'oauth-gateway:read'] }],
    ],
    [
      'scopes separated by several spaces and tabs',
      `${KEY}:  oauth-gateway:read \t oauth-gateway:write `,
      [{ key: KEY, scopes: ['oauth-gateway:read', 'oauth-gateway:write'] }],
    ],
    ['audit only', `${KEY}:oauth-gateway:audit`, [{ key: KEY, scopes: ['oauth-gateway:audit'] }]],
    [
      'two entries, spaces around',
      ` ${KEY} , ${KEY2}:oauth-gateway:read `,
      [
        { key: KEY, scopes: ALL },
        { key: KEY2, scopes: ['oauth-gateway:read'] },
      ],
    ],
    [
      'empty entries are skipped',
      `,${KEY},,${KEY2},`,
      [
        { key: KEY, scopes: ALL },
        { key: KEY2, scopes: ALL },
      ],
    ],
  ])('%s', (_name, value, want) => {
    expect(loadConfig({ GATEWAY_API_KEYS: value }).auth).toStrictEqual({ apiKeys: want });
  });

  it.each<[string, string, string]>([
    ['15 characters', 'k'.repeat(15), BAD_KEY(1)],
    ['513 characters', 'k'.repeat(513), BAD_KEY(1)],
    ['a space inside', 'abcdefgh ijklmnopq', BAD_KEY(1)],
    ['a character outside the set', 'abcdefgh!ijklmnopq', BAD_KEY(1)],
    ['non-ASCII letters', 'clé-clé-clé-clé-clé', BAD_KEY(1)],
    ['an empty key before the scopes', ':oauth-gateway:read', BAD_KEY(1)],
    ['a short key before the scopes', 'short:oauth-gateway:read', BAD_KEY(1)],
    ['the second entry, counted among the keys', `${KEY},, short`, BAD_KEY(2)],
    ['no scope after ":"', `${KEY}:`, 'GATEWAY_API_KEYS entry 1: no scope after ":"'],
    ['only spaces after ":"', `${KEY}:   `, 'GATEWAY_API_KEYS entry 1: no scope after ":"'],
    [
      'an unknown scope',
      `${KEY}:admin`,
      'GATEWAY_API_KEYS entry 1: unknown scope "admin" (known: oauth-gateway:read, oauth-gateway:write, oauth-gateway:audit)',
    ],
    [
      'a scope in another case',
      `${KEY}:OAUTH-GATEWAY:READ`,
      'GATEWAY_API_KEYS entry 1: unknown scope "OAUTH-GATEWAY:READ" (known: oauth-gateway:read, oauth-gateway:write, oauth-gateway:audit)',
    ],
    [
      'a scope without its prefix',
      `${KEY2},${KEY}:read`,
      'GATEWAY_API_KEYS entry 2: unknown scope "read" (known: oauth-gateway:read, oauth-gateway:write, oauth-gateway:audit)',
    ],
    [
      'one good scope and one unknown',
      `${KEY}:oauth-gateway:read write`,
      'GATEWAY_API_KEYS entry 1: unknown scope "write" (known: oauth-gateway:read, oauth-gateway:write, oauth-gateway:audit)',
    ],
    ['the same key twice', `${KEY},${KEY}`, 'GATEWAY_API_KEYS entry 2: the same key is listed twice'],
    [
      'the same key twice with other scopes',
      `${KEY}:oauth-gateway:read,${KEY2},${KEY}:oauth-gateway:write`,
      'GATEWAY_API_KEYS entry 3: the same key is listed twice',
    ],
  ])('%s', (_name, value, message) => {
    expect(refusal({ GATEWAY_API_KEYS: value })).toBe(message);
  });

  it('a refusal never quotes the key', () => {
    const secret = 'secret-but-too-short!';
    expect(refusal({ GATEWAY_API_KEYS: secret })).not.toContain(secret);
    expect(refusal({ GATEWAY_API_KEYS: `${KEY2},${KEY2}` })).not.toContain(KEY2);
  });

  it('keys let a gateway holding credentials start', () => {
    const config = loadConfig({
      AUTHENTIK_URL: 'https://auth.example.com/api/v3',
      AUTHENTIK_TOKEN: 'ak-token-0123456789',
      GATEWAY_API_KEYS: KEY,
    });
    expect(config.sandbox).toBe(false);
    expect(config.auth).toStrictEqual({ apiKeys: [{ key: KEY, scopes: ALL }] });
  });
});
