import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { configureLog } from '../src/log.js';
import { startTracing, type Tracing } from '../src/tracing/index.js';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { parseExposition, sampleValue } from './helpers/prometheus.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// OpenTelemetry over a real OTLP/HTTP receiver on loopback: the spans a request makes, their links to
// the caller's trace and to each other, and the trace context the upstream receives.
configureLog({ sink: () => {} });

const CLIENT_SECRET = 'idn-trace-secret-4b3a29';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events?: Array<{ name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
  status?: { code?: number };
}

/** An OTLP/HTTP receiver: every export it gets, as received. */
interface Receiver {
  url: string;
  exports: Array<{ contentType: string | undefined; body: Buffer }>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const exports: Receiver['exports'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST')
        exports.push({ contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function spansOf(receiver: Receiver): OtlpSpan[] {
  return receiver.exports.flatMap((e) => {
    const body = JSON.parse(e.body.toString('utf8')) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
    };
    return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  });
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if ('arrayValue' in value) return (value.arrayValue as { values: Array<{ stringValue: string }> }).values.map((v) => v.stringValue);
  return Object.values(value)[0];
};

let receiver: Receiver;
let api: Stub;
let tokens: Stub;
let failNext = 0;

beforeAll(async () => {
  receiver = await startReceiver();
  tokens = await startStub((_req, res) => json(res, 200, { access_token: 'tok-traced-0123456789', expires_in: 3600 }));
  api = await startStub((req, res) => {
    if (failNext > 0) {
      failNext--;
      return json(res, 503, { messages: [{ text: 'busy' }] }, { 'retry-after': '0' });
    }
    return req.url.startsWith('/beta/oauth-clients?') || req.url === '/beta/oauth-clients'
      ? json(res, 200, [identityNowClient()])
      : json(res, 200, identityNowClient());
  });
});

afterAll(async () => {
  await Promise.all([receiver.close(), api.close(), tokens.close()]);
});

const ENV = () => ({
  IDENTITYNOW_URL: `${api.origin}/beta`,
  IDENTITYNOW_CLIENT_ID: 'idn-trace-client',
  IDENTITYNOW_CLIENT_SECRET: CLIENT_SECRET,
  IDENTITYNOW_TOKEN_URL: `${tokens.origin}/oauth/token`,
  UPSTREAM_RETRY_BACKOFF_MS: '1',
});

describe('tracing on (OTLP http/json)', () => {
  let tracing: Tracing;
  let gateway: RunningGateway;
  let spans: OtlpSpan[];
  let response: Response;

  beforeAll(async () => {
    const config = loadConfig({
      ...ENV(),
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(config.tracing).toEqual({ endpoint: `${receiver.url}/v1/traces`, protocol: 'http/json' });
    tracing = await startTracing(config.tracing!);
    gateway = await startGateway(config, { tracing });
    failNext = 1;
    response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT, 'x-request-id': 'req-7f3a.trace:1' },
      body: JSON.stringify({ query: `query ReadOne { oauthClient(id: "${IDN_ID}") { id name } }` }),
    });
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    await tracing.flush();
    spans = spansOf(receiver);
  });

  afterAll(async () => {
    await gateway.close();
    await tracing.shutdown();
  });

  const only = (name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect(found, `spans named ${name} among ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
    return found[0]!;
  };

  it('exports over OTLP/HTTP as JSON', () => {
    expect(receiver.exports.length).toBeGreaterThan(0);
    expect(receiver.exports[0]!.contentType).toBe('application/json');
  });

  it('a server span for the GraphQL operation, child of the caller’s traceparent', () => {
    const server = only('query ReadOne');
    expect(server.traceId).toBe(TRACE_ID);
    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.kind).toBe(2); // SERVER
    expect(attribute(server, 'graphql.operation.type')).toBe('query');
    expect(attribute(server, 'graphql.operation.name')).toBe('ReadOne');
    expect(attribute(server, 'http.response.status_code')).toBe(200);
    expect(attribute(server, 'gateway.request_id')).toBe('req-7f3a.trace:1');
  });

  it('a client span per upstream call, child of the operation’s, with its status and retries', () => {
    const server = only('query ReadOne');
    const call = only('identitynow getOauthClient');
    expect(call.traceId).toBe(TRACE_ID);
    expect(call.parentSpanId).toBe(server.spanId);
    expect(call.kind).toBe(3); // CLIENT
    expect(attribute(call, 'gateway.upstream.service')).toBe('identitynow');
    expect(attribute(call, 'gateway.upstream.operation')).toBe('getOauthClient');
    expect(attribute(call, 'http.request.method')).toBe('GET');
    expect(attribute(call, 'http.response.status_code')).toBe(200);
    expect(attribute(call, 'gateway.upstream.retries')).toBe(1);
    expect(call.events?.map((e) => e.name)).toEqual(['retry']);
  });

  it('the token request the call needed is the call’s child', () => {
    const call = only('identitynow getOauthClient');
    const token = only('identitynow oauthToken');
    expect(token.parentSpanId).toBe(call.spanId);
    expect(attribute(token, 'http.request.method')).toBe('POST');
  });

  it('the upstream receives the call span’s traceparent, in the caller’s trace, and the caller’s request id', () => {
    const call = only('identitynow getOauthClient');
    const sent = api.requests.filter((r) => r.url === `/beta/oauth-clients/${IDN_ID}`);
    expect(sent).toHaveLength(2); // the 503 and the retry
    for (const request of sent) {
      expect(request.headers.traceparent).toBe(`00-${TRACE_ID}-${call.spanId}-01`);
      expect(request.headers['x-request-id']).toBe('req-7f3a.trace:1');
    }
    expect(response.headers.get('x-request-id')).toBe('req-7f3a.trace:1');
  });

  it('no span carries a credential or a body', () => {
    const exported = receiver.exports.map((e) => e.body.toString('utf8')).join('\n');
    for (const secret of [CLIENT_SECRET, 'tok-traced-0123456789', 'Demo API Client', 'oauthClient(id'])
      expect(exported).not.toContain(secret);
  });

  it('marks a failed operation and names its error codes', async () => {
    receiver.exports.length = 0;
    failNext = 10;
    const res = await gateway.gql(`query Failing { oauthClient(id: "${IDN_ID}") { id } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    failNext = 0;
    await tracing.flush();
    spans = spansOf(receiver);
    const server = only('query Failing');
    expect(server.parentSpanId).toBeUndefined();
    expect(server.status?.code).toBe(2); // ERROR
    expect(attribute(server, 'gateway.error_codes')).toEqual(['UPSTREAM_ERROR']);
    const call = only('identitynow getOauthClient');
    expect(call.status?.code).toBe(2);
    expect(attribute(call, 'error.type')).toBe('503');
  });

  it('the probes and GraphiQL make no span', async () => {
    receiver.exports.length = 0;
    await fetch(new URL('/health', gateway.url));
    await fetch(new URL('/ready', gateway.url));
    await fetch(new URL('/metrics', gateway.url));
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    await page.arrayBuffer();
    await tracing.flush();
    expect(spansOf(receiver)).toEqual([]);
  });
});

describe('tracing on (OTLP http/protobuf, the default protocol)', () => {
  let tracing: Tracing;
  let gateway: RunningGateway;

  afterEach(async () => {
    await gateway.close();
    await tracing.shutdown();
  });

  it('exports protobuf to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, with the caller’s trace id in it', async () => {
    receiver.exports.length = 0;
    const config = loadConfig({
      ...ENV(),
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    });
    expect(config.tracing?.protocol).toBe('http/protobuf');
    tracing = await startTracing(config.tracing!);
    gateway = await startGateway(config, { tracing });
    const res = await gateway.gql('{ oauthClients { id } }', undefined, { traceparent: TRACEPARENT });
    expect(res.errors).toBeUndefined();
    await tracing.flush();
    expect(receiver.exports.map((e) => e.contentType)).toContain('application/x-protobuf');
    const body = Buffer.concat(receiver.exports.map((e) => e.body));
    expect(body.includes(Buffer.from(TRACE_ID, 'hex'))).toBe(true);
  });
});

describe('tracing on, with read coalescing', () => {
  it('the metrics count a read that shared another call in flight as shared, not as an upstream call of its own', async () => {
    const config = loadConfig({
      ...ENV(),
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    const tracing = await startTracing(config.tracing!);
    const gateway = await startGateway(config, { tracing });
    try {
      api.requests.length = 0;
      const answers = await Promise.all(Array.from({ length: 40 }, () => gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`)));
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      const calls = api.requests.filter((r) => r.method === 'GET').length;
      // Sent at once, most of them find the first read in flight.
      expect(calls).toBeLessThan(40);
      const samples = parseExposition(await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text());
      const labels = { service: 'identitynow', operation: 'getOauthClient' };
      expect(sampleValue(samples, 'gateway_upstream_reads_shared_total', { ...labels, how: 'coalesced' })).toBe(40 - calls);
      expect(sampleValue(samples, 'gateway_upstream_calls_total', { ...labels, status: '200' })).toBe(calls);
    } finally {
      await gateway.close();
      await tracing.shutdown();
    }
  });
});

describe('tracing off', () => {
  it('passes a well-formed caller traceparent and request id upstream unchanged', async () => {
    const config = loadConfig({ ...ENV(), GATEWAY_ALLOW_ANONYMOUS: 'true' });
    expect(config.tracing).toBeUndefined();
    const gateway = await startGateway(config);
    try {
      api.requests.length = 0;
      await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`, undefined, { traceparent: TRACEPARENT, 'x-request-id': 'abc-123' });
      expect(api.requests[0]!.headers.traceparent).toBe(TRACEPARENT);
      expect(api.requests[0]!.headers['x-request-id']).toBe('abc-123');
    } finally {
      await gateway.close();
    }
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['a space', 'abc def'],
    ['a quote', 'abc"def'],
    ['a percent sign', 'abc%20def'],
    ['empty', ''],
  ])('replaces an ill-formed request id (%s) with its own, and drops an ill-formed traceparent', async (_what, id) => {
    const config = loadConfig({ ...ENV(), GATEWAY_ALLOW_ANONYMOUS: 'true' });
    const gateway = await startGateway(config);
    try {
      api.requests.length = 0;
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id, traceparent: '00-0000-bad-01' },
        body: JSON.stringify({ query: `{ oauthClient(id: "${IDN_ID}") { id } }` }),
      });
      const own = res.headers.get('x-request-id');
      expect(own).toMatch(/^[0-9a-f-]{36}$/);
      expect(api.requests[0]!.headers['x-request-id']).toBe(own);
      expect(api.requests[0]!.headers.traceparent).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });
});
