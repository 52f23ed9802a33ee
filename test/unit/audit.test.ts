import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { describeStore } from '../../src/audit/config.js';
import { isSecretName, maskSecrets } from '../../src/audit/events.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { decodeCursor, encodeCursor, pageSize } from '../../src/pagination.js';

const URL_ENV = { AUTHENTIK_URL: 'https://auth.example.com/api/v3', GATEWAY_ALLOW_ANONYMOUS: 'true' };
const DB = 'postgres://gateway:pa55word@db.internal:5433/audit?sslmode=require';

describe('audit configuration', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['the sandbox: in memory', {}, { kind: 'memory' }],
    ['the sandbox with GATEWAY_DATA_DIR: that directory', { GATEWAY_DATA_DIR: '/var/lib/gw' }, { kind: 'pglite', dataDir: '/var/lib/gw' }],
    ['an upstream: PGlite in ./data', URL_ENV, { kind: 'pglite', dataDir: './data' }],
    ['an upstream and a directory', { ...URL_ENV, GATEWAY_DATA_DIR: '/srv/audit' }, { kind: 'pglite', dataDir: '/srv/audit' }],
    [
      'a database URL: PostgreSQL, pool and timeouts by default',
      { ...URL_ENV, GATEWAY_DATABASE_URL: DB, GATEWAY_DATA_DIR: '/ignored' },
      { kind: 'postgres', url: DB, poolSize: 10, connectTimeoutMs: 3_000, statementTimeoutMs: 5_000 },
    ],
    [
      'a database URL with its bounds',
      {
        GATEWAY_DATABASE_URL: 'postgresql://db/audit',
        GATEWAY_DATABASE_POOL_SIZE: '4',
        GATEWAY_DATABASE_CONNECT_TIMEOUT_MS: '500',
        GATEWAY_DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      },
      { kind: 'postgres', url: 'postgresql://db/audit', poolSize: 4, connectTimeoutMs: 500, statementTimeoutMs: 2_000 },
    ],
  ])('%s', (_name, env, store) => {
    expect(loadConfig(env).audit.store).toStrictEqual(store);
  });

  it('retention and failing open', () => {
    expect(loadConfig({}).audit).toMatchObject({ retentionDays: 365, failOpen: false });
    expect(loadConfig({ GATEWAY_AUDIT_RETENTION_DAYS: '0', GATEWAY_AUDIT_FAIL_OPEN: 'true' }).audit).toMatchObject({
      retentionDays: 0,
      failOpen: true,
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ GATEWAY_DATABASE_URL: 'mysql://db/audit' }, /GATEWAY_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ GATEWAY_DATABASE_URL: 'not a url pa55word' }, /GATEWAY_DATABASE_URL is not a valid URL/],
    [{ GATEWAY_DATABASE_URL: DB, GATEWAY_DATABASE_POOL_SIZE: '0' }, /GATEWAY_DATABASE_POOL_SIZE must be between 1 and 1000/],
    [{ GATEWAY_AUDIT_RETENTION_DAYS: '-1' }, /GATEWAY_AUDIT_RETENTION_DAYS must be an integer/],
    [{ GATEWAY_AUDIT_FAIL_OPEN: 'yes' }, /GATEWAY_AUDIT_FAIL_OPEN must be true or false/],
  ])('refuses %j', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    // The URL holds a password: no message quotes it.
    expect((error as Error).message).not.toContain('pa55word');
  });

  it.each<[string, string]>([
    [DB, 'PostgreSQL at db.internal:5433/audit'],
    // A Unix socket, as libpq and pg name it: the host in the query, with or without a user before the empty host.
    ['postgres://gateway:pa55word@/audit?host=/run/postgresql', 'PostgreSQL at /run/postgresql:5432/audit'],
    ['postgresql://gateway@/audit?host=/var/run/postgresql&port=5433', 'PostgreSQL at /var/run/postgresql:5433/audit'],
    ['postgres:///audit?host=/tmp&user=gateway&password=pa55word', 'PostgreSQL at /tmp:5432/audit'],
    ['postgres://gateway:pa55word@/audit', 'PostgreSQL at a local socket:5432/audit'],
  ])('takes %s and describes it for the log without its credentials', (url, description) => {
    const store = loadConfig({ ...URL_ENV, GATEWAY_DATABASE_URL: url }).audit.store;
    expect(store).toMatchObject({ kind: 'postgres', url });
    expect(describeStore(store)).toBe(description);
    expect(describeStore(store)).not.toContain('pa55word');
  });
});

describe('secrets in the changes of an event', () => {
  it.each<[string, boolean]>([
    ['clientSecret', true],
    ['consumerSecret', true],
    ['client_secret', true],
    ['secret', true],
    ['/secret', true],
    ['password', true],
    ['token', true],
    ['apiKey', true],
    ['settings/privateKey', true],
    ['consumerKey', false],
    ['signingKey', false],
    ['includeClaimsInIdToken', false],
    ['accessTokenValiditySeconds', false],
    ['redirectUris/0', false],
    ['name', false],
  ])('%s is a secret: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it('masks a secret field and secret members at any depth; null stays null', () => {
    expect(
      maskSecrets([
        { field: 'clientSecret', after: 'plain' },
        { field: 'consumerSecret', before: null, after: null },
        { field: 'name', before: 'a', after: 'b' },
        { field: 'oidcJwks', after: { keys: [{ kid: '1', privateKey: 'pem', password: null }] } },
        { field: 'redirectUris/-', after: 'https://app.example.com/cb' },
      ]),
    ).toStrictEqual([
      { field: 'clientSecret', after: '[SECRET]' },
      { field: 'consumerSecret', before: null, after: null },
      { field: 'name', before: 'a', after: 'b' },
      { field: 'oidcJwks', after: { keys: [{ kid: '1', privateKey: '[SECRET]', password: null }] } },
      { field: 'redirectUris/-', after: 'https://app.example.com/cb' },
    ]);
  });

  it('keeps no NUL or lone surrogate, which PostgreSQL cannot store, in a field, a value or a key at any depth: U+FFFD stands for each', () => {
    expect(
      maskSecrets([
        { field: 'metadata/a\u0000b', before: 'x\u0000', after: { 'k\u0000': ['\u0000\ud800'], nested: { deep: 'y\udc00z' } } },
        { field: 'name', after: 'a pair \ud83d\ude00 stays' },
      ]),
    ).toStrictEqual([
      { field: 'metadata/a\ufffdb', before: 'x\ufffd', after: { 'k\ufffd': ['\ufffd\ufffd'], nested: { deep: 'y\ufffdz' } } },
      { field: 'name', after: 'a pair \ud83d\ude00 stays' },
    ]);
  });
});

describe('cursor paging', () => {
  const field = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      return (error as GraphQLError).extensions.fieldErrors?.[0]?.field;
    }
    return undefined;
  };
  const digits = (p: string) => /^\d+$/.test(p);

  it('a cursor names its connection and position, opaquely', () => {
    const cursor = encodeCursor('audit', '42');
    expect(cursor).not.toContain('42');
    expect(decodeCursor('audit', cursor, digits)).toBe('42');
  });

  it.each<[string, string]>([
    ['another connection', encodeCursor('applications', '42')],
    ['a position the connection never makes', encodeCursor('audit', '4x')],
    ['not base64url', 'a b'],
    ['empty', ''],
    ['too long', 'A'.repeat(201)],
  ])('refuses %s', (_name, cursor) => {
    expect(field(() => decodeCursor('audit', cursor, digits))).toBe('after');
  });

  it.each<[number | null | undefined, number | string]>([
    [undefined, 50],
    [null, 50],
    [1, 1],
    [500, 500],
    [0, 'first'],
    [501, 'first'],
    [-3, 'first'],
  ])('first %s → %s', (first, expected) => {
    const bounds = { default: 50, max: 500 };
    if (typeof expected === 'number') expect(pageSize(first, bounds)).toBe(expected);
    else expect(field(() => pageSize(first, bounds))).toBe(expected);
  });
});
