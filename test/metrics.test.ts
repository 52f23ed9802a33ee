import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry, WriteJournal, WriteRecord, WriteResult } from '../src/changes/write.js';
import { gatewayError } from '../src/errors.js';
import { configureLog } from '../src/log.js';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { parseExposition, sampleValue, type Sample } from './helpers/prometheus.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';

// Traffic of known shape through a stub IdentityNow (client credentials grant, on its own token
// origin), then /metrics: every counter and histogram with the values and labels that traffic makes.
const CLIENT_SECRET = 'idn-metrics-secret-7e6d5c';
const OTHER_ID = '2c9180835d2e5168015d32f890ca9999';
configureLog({ sink: () => {} });

let api: Stub;
let tokens: Stub;
let gateway: RunningGateway;
let valid: Set<string>;
let issued = 0;
/** Statuses the API answers before answering normally, one per request. */
const failures: number[] = [];
let journalFails = false;
const journaled: Array<{ record: WriteRecord; result?: WriteResult }> = [];

const journal: WriteJournal = {
  async intend(record): Promise<JournalEntry> {
    if (journalFails) throw gatewayError('AUDIT_UNAVAILABLE', 'The audit trail cannot be written; nothing was changed.');
    const entry: { record: WriteRecord; result?: WriteResult } = { record };
    journaled.push(entry);
    return { complete: async (result) => void (entry.result = result) };
  },
  async ended(record, result) {
    journaled.push({ record, result });
  },
};

const apiHandler = (req: RecordedRequest, res: ServerResponse) => {
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  if (!token || !valid.has(token)) return json(res, 401, { error: 'JWT validation failed' });
  const status = failures.shift();
  if (status !== undefined) return json(res, status, { messages: [{ text: 'try later' }] }, { 'retry-after': '0' });
  if (req.url.endsWith(OTHER_ID)) return json(res, 404, { messages: [{ text: 'not found' }] });
  if (req.url.startsWith('/beta/oauth-clients?') || req.url === '/beta/oauth-clients') return json(res, 200, [identityNowClient()]);
  return json(res, 200, identityNowClient());
};

let samples: Sample[];
let exposition: string;
let metricsResponse: Response;

beforeAll(async () => {
  valid = new Set();
  tokens = await startStub((_req, res) => {
    const token = `tok-metrics-${++issued}-abcdef`;
    valid.add(token);
    json(res, 200, { access_token: token, token_type: 'bearer', expires_in: 3600 });
  });
  api = await startStub(apiHandler);
  gateway = await startGateway(
    {
      IDENTITYNOW_URL: `${api.origin}/beta`,
      IDENTITYNOW_CLIENT_ID: 'idn-metrics-client',
      IDENTITYNOW_CLIENT_SECRET: CLIENT_SECRET,
      IDENTITYNOW_TOKEN_URL: `${tokens.origin}/oauth/token`,
      UPSTREAM_RETRY_BACKOFF_MS: '1',
      GATEWAY_MAX_ALIASES: '1',
      GATEWAY_MAX_BODY_BYTES: '1024',
    },
    { journal },
  );

  const ok = (res: { errors?: unknown }) => expect(res.errors).toBeUndefined();
  // 1. a list (the first call also fetches the token)
  ok(await gateway.gql('query ListWithSecretSoundingName { oauthClients { id } }'));
  // 2. a write, applied
  ok(
    await gateway.gql(
      `mutation Patch { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/description", value: "x" }]) { id } }`,
    ),
  );
  // 3. a read answered 503 once, then 200: one call, one retry
  failures.push(503);
  ok(await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`));
  // 4. the token revoked: the API answers 401, the gateway renews it once and sends again
  valid.clear();
  ok(await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`));
  // 5. a read the vendor answers 404 (null, not an error)
  ok(await gateway.gql(`{ oauthClient(id: "${OTHER_ID}") { id } }`));
  // 6. over the alias limit: refused before any call
  const aliases = await gateway.gql(`{ a: oauthClient(id: "${IDN_ID}") { id } b: oauthClient(id: "${IDN_ID}") { id } }`);
  expect(aliases.errors?.[0]?.extensions?.limit?.name).toBe('aliases');
  // 7. a body over GATEWAY_MAX_BODY_BYTES
  const big = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ oauthClients { id } } # ${'x'.repeat(2000)}` }),
  });
  expect(big.status).toBe(413);
  // 8. a write the audit trail cannot record: refused, nothing sent
  journalFails = true;
  const refused = await gateway.gql(
    `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/description", value: "y" }]) { id } }`,
  );
  expect(refused.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');

  metricsResponse = await fetch(new URL('/metrics', gateway.url));
  exposition = await metricsResponse.text();
  samples = parseExposition(exposition);
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([api.close(), tokens.close()]);
});

const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
const idn = (operation: string) => ({ service: 'identitynow', operation });

describe('/metrics after known traffic', () => {
  it('answers in the Prometheus text format, without caller authentication and not cached', () => {
    expect(metricsResponse.status).toBe(200);
    expect(metricsResponse.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metricsResponse.headers.get('cache-control')).toBe('no-store');
  });

  it('counts GraphQL requests by operation type and first error code', () => {
    expect(value('gateway_graphql_requests_total', { operation_type: 'query', code: 'OK' })).toBe(4);
    expect(value('gateway_graphql_requests_total', { operation_type: 'mutation', code: 'OK' })).toBe(1);
    expect(value('gateway_graphql_requests_total', { operation_type: 'query', code: 'BAD_USER_INPUT' })).toBe(1);
    expect(value('gateway_graphql_requests_total', { operation_type: 'none', code: 'REQUEST_ENTITY_TOO_LARGE' })).toBe(1);
    expect(value('gateway_graphql_requests_total', { operation_type: 'mutation', code: 'AUDIT_UNAVAILABLE' })).toBe(1);
    const all = samples.filter((s) => s.name === 'gateway_graphql_requests_total').reduce((sum, s) => sum + s.value, 0);
    expect(all).toBe(8);
  });

  it('a request duration histogram by operation type, every request in +Inf', () => {
    expect(value('gateway_graphql_request_duration_seconds_count', { operation_type: 'query' })).toBe(5);
    expect(value('gateway_graphql_request_duration_seconds_bucket', { operation_type: 'query', le: '+Inf' })).toBe(5);
    expect(value('gateway_graphql_request_duration_seconds_count', { operation_type: 'mutation' })).toBe(2);
    expect(value('gateway_graphql_request_duration_seconds_sum', { operation_type: 'query' })).toBeGreaterThan(0);
  });

  it('counts upstream calls by service, vendor operation and final status, one per call whatever its retries', () => {
    expect(value('gateway_upstream_calls_total', { ...idn('listOauthClients'), status: '200' })).toBe(1);
    expect(value('gateway_upstream_calls_total', { ...idn('patchOauthClient'), status: '200' })).toBe(1);
    // the 503 then 200, and the 401 renewed then 200: two calls that ended 200
    expect(value('gateway_upstream_calls_total', { ...idn('getOauthClient'), status: '200' })).toBe(2);
    expect(value('gateway_upstream_calls_total', { ...idn('getOauthClient'), status: '404' })).toBe(1);
    expect(value('gateway_upstream_calls_total', { ...idn('getOauthClient'), status: '503' })).toBeUndefined();
    // the token requests are upstream calls too
    expect(value('gateway_upstream_calls_total', { ...idn('oauthToken'), status: '200' })).toBe(2);
    // and the stub saw exactly that many requests: 1 list + 1 patch + (2 + 2) reads + 1 read = 7
    expect(api.requests).toHaveLength(7);
  });

  it('an upstream call duration histogram by service and operation', () => {
    expect(value('gateway_upstream_call_duration_seconds_count', idn('getOauthClient'))).toBe(3);
    expect(value('gateway_upstream_call_duration_seconds_bucket', { ...idn('getOauthClient'), le: '+Inf' })).toBe(3);
    expect(value('gateway_upstream_call_duration_seconds_count', idn('oauthToken'))).toBe(2);
  });

  it('counts retries by what the failed attempt got, and token renewals', () => {
    expect(value('gateway_upstream_retries_total', { ...idn('getOauthClient'), reason: '503' })).toBe(1);
    expect(samples.filter((s) => s.name === 'gateway_upstream_retries_total')).toHaveLength(1);
    expect(value('gateway_upstream_token_renewals_total', { service: 'identitynow' })).toBe(1);
  });

  it('counts limit refusals by limit', () => {
    expect(value('gateway_limit_refusals_total', { limit: 'aliases' })).toBe(1);
    expect(value('gateway_limit_refusals_total', { limit: 'bodyBytes' })).toBe(1);
  });

  it('counts writes by outcome, and writes to the audit trail, ok or failed', () => {
    expect(value('gateway_writes_total', { ...idn('patchOauthClient'), outcome: 'APPLIED' })).toBe(1);
    expect(journaled.map((j) => j.result?.outcome)).toEqual(['APPLIED']);
    expect(value('gateway_audit_writes_total', { stage: 'intent', result: 'ok' })).toBe(1);
    expect(value('gateway_audit_writes_total', { stage: 'outcome', result: 'ok' })).toBe(1);
    expect(value('gateway_audit_writes_total', { stage: 'intent', result: 'failed' })).toBe(1);
  });

  it('has the process metrics', () => {
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('no label value is a credential, an id or text the caller wrote', () => {
    for (const secret of [CLIENT_SECRET, 'tok-metrics-', IDN_ID, OTHER_ID, 'ListWithSecretSoundingName', 'Patch"']) {
      expect(exposition).not.toContain(secret);
    }
    const labelValues = new Set(samples.filter((s) => s.name.startsWith('gateway_')).flatMap((s) => Object.values(s.labels)));
    for (const label of labelValues) expect(label).toMatch(/^(?:[a-z]+|[A-Z_]+|[a-zA-Z]+|\d{3}|[a-z_]+|\+Inf|\d+(?:\.\d+)?)$/);
  });
});

describe('GATEWAY_METRICS_PORT', () => {
  it('takes /metrics off the main port', async () => {
    const elsewhere = await startGateway({ IDENTITYNOW_URL: `${api.origin}/beta`, GATEWAY_METRICS_PORT: '0' });
    try {
      const res = await fetch(new URL('/metrics', elsewhere.url));
      expect(res.status).toBe(404);
    } finally {
      await elsewhere.close();
    }
  });
});
