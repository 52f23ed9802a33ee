import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const AUTHENTIK = { AUTHENTIK_URL: 'https://auth.example.com/api/v3', AUTHENTIK_TOKEN: 'ak-config-suite-secret' };
const KEY = 'config-suite-key-0123456789';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('start-up refusal without caller authentication', () => {
  it('refuses a gateway that holds upstream credentials and has no caller authentication', () => {
    expect(refusal(AUTHENTIK)).toMatch(/holds credentials for authentik.*GATEWAY_API_KEYS.*GATEWAY_ALLOW_ANONYMOUS=true/);
    expect(
      refusal({ IDENTITYNOW_URL: 'https://acme.api.identitynow.com/beta', IDENTITYNOW_CLIENT_ID: 'id', IDENTITYNOW_CLIENT_SECRET: 'cs' }),
    ).toMatch(/identitynow/);
    expect(refusal({ LAUNCHDARKLY_API_KEY: 'api-12345678' })).toMatch(/launchdarkly/);
  });

  it('never quotes the credential in the refusal', () => {
    expect(refusal(AUTHENTIK)).not.toContain(AUTHENTIK.AUTHENTIK_TOKEN);
  });

  it('starts with API keys, with a JWKS, or when anonymous use is asked for', () => {
    expect(loadConfig({ ...AUTHENTIK, GATEWAY_API_KEYS: KEY }).auth.apiKeys).toHaveLength(1);
    expect(
      loadConfig({
        ...AUTHENTIK,
        GATEWAY_JWKS_URL: 'https://idp.example.com/jwks',
        GATEWAY_JWT_ISSUER: 'https://idp.example.com/',
        GATEWAY_JWT_AUDIENCE: 'gw',
      }).auth.jwt,
    ).toEqual({ jwksUrl: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com/', audience: 'gw' });
    expect(loadConfig({ ...AUTHENTIK, GATEWAY_ALLOW_ANONYMOUS: 'true' }).auth).toEqual({ apiKeys: [] });
    expect(refusal({ ...AUTHENTIK, GATEWAY_ALLOW_ANONYMOUS: 'false' })).toMatch(/no caller authentication/);
    expect(refusal({ ...AUTHENTIK, GATEWAY_ALLOW_ANONYMOUS: 'yes' })).toMatch(/GATEWAY_ALLOW_ANONYMOUS must be true or false/);
  });

  it('lets an upstream without a credential, and the sandbox on loopback, run open', () => {
    expect(loadConfig({ AUTHENTIK_URL: 'https://auth.example.com/api/v3' }).auth.apiKeys).toEqual([]);
    expect(loadConfig({}).sandbox).toBe(true);
    expect(loadConfig({ HOST: '::1' }).sandbox).toBe(true);
  });

  it('refuses the sandbox beyond loopback without caller authentication', () => {
    expect(refusal({ HOST: '0.0.0.0' })).toMatch(/sandbox listens on 0\.0\.0\.0/);
    expect(loadConfig({ HOST: '0.0.0.0', GATEWAY_API_KEYS: KEY }).sandbox).toBe(true);
  });
});

describe('caller authentication settings', () => {
  it('reads keys with and without scopes', () => {
    const keys = loadConfig({
      GATEWAY_API_KEYS: ` ${KEY}:oauth-gateway:read ,other-key-abcdefghijklmnop, third-key-abcdefghijklmnop:oauth-gateway:write  oauth-gateway:read`,
    }).auth.apiKeys;
    expect(keys).toEqual([
      { key: KEY, scopes: ['oauth-gateway:read'] },
      { key: 'other-key-abcdefghijklmnop', scopes: ['oauth-gateway:read', 'oauth-gateway:write', 'oauth-gateway:audit'] },
      { key: 'third-key-abcdefghijklmnop', scopes: ['oauth-gateway:write', 'oauth-gateway:read'] },
    ]);
  });

  it('refuses short keys, unknown scopes, empty scope lists and duplicates, without quoting the key', () => {
    const short = refusal({ GATEWAY_API_KEYS: 'short-key' });
    expect(short).toMatch(/entry 1: a key must be 16 to 512/);
    expect(short).not.toContain('short-key');
    expect(refusal({ GATEWAY_API_KEYS: `${KEY}:oauth-gateway:admin` })).toMatch(/unknown scope "oauth-gateway:admin"/);
    expect(refusal({ GATEWAY_API_KEYS: `${KEY}:` })).toMatch(/no scope/);
    expect(refusal({ GATEWAY_API_KEYS: `${KEY},${KEY}` })).toMatch(/entry 2: the same key/);
  });

  it('needs issuer and audience with a JWKS, and https beyond loopback', () => {
    expect(refusal({ GATEWAY_JWKS_URL: 'https://idp.example.com/jwks' })).toMatch(/GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE/);
    expect(refusal({ GATEWAY_JWKS_URL: 'https://idp.example.com/jwks', GATEWAY_JWT_ISSUER: 'x' })).toMatch(/GATEWAY_JWT_AUDIENCE/);
    expect(refusal({ GATEWAY_JWT_ISSUER: 'x', GATEWAY_JWT_AUDIENCE: 'y' })).toMatch(/need GATEWAY_JWKS_URL/);
    expect(refusal({ GATEWAY_JWKS_URL: 'http://idp.example.com/jwks', GATEWAY_JWT_ISSUER: 'x', GATEWAY_JWT_AUDIENCE: 'y' })).toMatch(
      /must be https/,
    );
    expect(
      loadConfig({ GATEWAY_JWKS_URL: 'http://127.0.0.1:9999/jwks', GATEWAY_JWT_ISSUER: 'x', GATEWAY_JWT_AUDIENCE: 'y' }).auth.jwt?.jwksUrl,
    ).toBe('http://127.0.0.1:9999/jwks');
  });
});

describe('operation limits and production switches', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxTokens: 1000,
      maxUpstreamCalls: 10,
      maxListPages: 50,
      maxEntities: 100,
      maxPatchOps: 100,
      maxBodyBytes: 1_048_576,
      maxStringLength: 10_000,
    });
    expect(config.introspection).toBe(true);
    expect(config.graphiql).toBe(true);
    expect(config.corsOrigins).toEqual([]);
  });

  it('reads every limit', () => {
    const config = loadConfig({
      GATEWAY_MAX_DEPTH: '6',
      GATEWAY_MAX_ALIASES: '0',
      GATEWAY_MAX_TOKENS: '500',
      GATEWAY_MAX_UPSTREAM_CALLS: '3',
      GATEWAY_MAX_LIST_PAGES: '7',
      GATEWAY_MAX_ENTITIES: '250',
      GATEWAY_MAX_PATCH_OPS: '25',
      GATEWAY_MAX_BODY_BYTES: '65536',
      GATEWAY_MAX_STRING_LENGTH: '2000',
    });
    expect(config.limits).toEqual({
      maxDepth: 6,
      maxAliases: 0,
      maxTokens: 500,
      maxUpstreamCalls: 3,
      maxListPages: 7,
      maxEntities: 250,
      maxPatchOps: 25,
      maxBodyBytes: 65_536,
      maxStringLength: 2000,
    });
    expect(refusal({ GATEWAY_MAX_UPSTREAM_CALLS: '0' })).toMatch(/GATEWAY_MAX_UPSTREAM_CALLS must be between 1 and 1000/);
    expect(refusal({ GATEWAY_MAX_BODY_BYTES: '10MB' })).toMatch(/GATEWAY_MAX_BODY_BYTES must be an integer/);
  });

  it('turns introspection and GraphiQL off in production unless asked', () => {
    const production = loadConfig({ NODE_ENV: 'production' });
    expect([production.introspection, production.graphiql]).toEqual([false, false]);
    const opened = loadConfig({ NODE_ENV: 'production', GATEWAY_INTROSPECTION: 'true', GATEWAY_GRAPHIQL: 'true' });
    expect([opened.introspection, opened.graphiql]).toEqual([true, true]);
    const closed = loadConfig({ GATEWAY_INTROSPECTION: 'false', GATEWAY_GRAPHIQL: 'false' });
    expect([closed.introspection, closed.graphiql]).toEqual([false, false]);
  });

  it('reads CORS origins, and refuses anything but an origin', () => {
    expect(loadConfig({ GATEWAY_CORS_ORIGINS: 'https://a.example.com, http://localhost:3000/' }).corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:3000',
    ]);
    expect(refusal({ GATEWAY_CORS_ORIGINS: 'https://a.example.com/path' })).toMatch(/not an origin/);
    expect(refusal({ GATEWAY_CORS_ORIGINS: '*' })).toMatch(/not an origin/);
  });
});

// main.ts imports the sandbox, which lands from another branch; until then the entry point cannot load.
const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const sandboxPresent = existsSync(fileURLToPath(new URL('../src/sandbox/index.ts', import.meta.url)));

describe('the entry point', () => {
  it.skipIf(!sandboxPresent)(
    'exits 1 with a JSON log line when it holds credentials and no caller authentication is configured',
    async () => {
      const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
      const child = spawn(process.execPath, [tsx, entry], {
        env: { PATH: process.env.PATH, ...AUTHENTIK, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: string; msg: string });
      expect(lines.some((line) => line.level === 'error' && /no caller authentication is configured/.test(line.msg))).toBe(true);
      expect(stdout).not.toContain(AUTHENTIK.AUTHENTIK_TOKEN);
    },
  );
});
