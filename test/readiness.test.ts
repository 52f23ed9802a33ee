import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import type { ReadinessCheck } from '../src/readiness.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// /ready answers 200 only when the gateway can serve: it flips when a dependency fails, and back.
const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

let tokens: Stub;
let tokenAnswer: (res: ServerResponse) => void;
let gateway: RunningGateway | undefined;
let clockOffsetMs = 0;
const clock = { now: () => Date.now() + clockOffsetMs };

beforeAll(async () => {
  tokens = await startStub((_req, res) => tokenAnswer(res));
});

afterAll(async () => {
  await tokens.close();
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  clockOffsetMs = 0;
  logLines.length = 0;
});

async function ready(): Promise<{ status: number; body: { ready: boolean; checks: Record<string, string> } }> {
  const res = await fetch(new URL('/ready', gateway!.url));
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, string> } };
}

const issue = (res: ServerResponse) => json(res, 200, { access_token: 'tok-ready-0123456789', expires_in: 3600 });
const refuse = (res: ServerResponse) => json(res, 401, { error: 'invalid_client' });

describe('the client credentials token', () => {
  const env = () => ({
    IDENTITYNOW_URL: 'http://127.0.0.1:9/beta',
    IDENTITYNOW_CLIENT_ID: 'idn-ready-client',
    IDENTITYNOW_CLIENT_SECRET: 'idn-ready-secret-55aa',
    IDENTITYNOW_TOKEN_URL: `${tokens.origin}/oauth/token`,
    // Caller authentication on: the probes still need no credential.
    GATEWAY_API_KEYS: 'probe-test-key-0123456789',
  });

  it('ready once a token is had; a token in hand costs no token request', async () => {
    tokenAnswer = issue;
    tokens.requests.length = 0;
    gateway = await startGateway(env(), { clock });
    expect(await ready()).toEqual({ status: 200, body: { ready: true, checks: { configuration: 'ok', 'identitynow token': 'ok' } } });
    expect(await ready()).toMatchObject({ status: 200 });
    expect(tokens.requests).toHaveLength(1);
  });

  it('not ready when the token endpoint refuses the credentials; probes meanwhile do not hammer it; ready again once it issues one', async () => {
    tokenAnswer = refuse;
    tokens.requests.length = 0;
    gateway = await startGateway(env(), { clock });
    expect(await ready()).toEqual({ status: 503, body: { ready: false, checks: { configuration: 'ok', 'identitynow token': 'failed' } } });
    expect(await ready()).toMatchObject({ status: 503 });
    expect(await ready()).toMatchObject({ status: 503 });
    expect(tokens.requests).toHaveLength(1);
    // The reason is logged once, never answered; never the secret.
    const failed = logLines.filter((l) => l.includes('readiness: identitynow token failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('refused the configured client credentials (invalid_client)');
    expect(logLines.join('\n')).not.toContain('idn-ready-secret-55aa');

    tokenAnswer = issue;
    expect(await ready()).toMatchObject({ status: 503 });
    clockOffsetMs += 30_000;
    expect(await ready()).toEqual({ status: 200, body: { ready: true, checks: { configuration: 'ok', 'identitynow token': 'ok' } } });
    expect(tokens.requests).toHaveLength(2);
    expect(logLines.filter((l) => l.includes('readiness: identitynow token ok'))).toHaveLength(1);
  });

  it('flips to not ready when the token expires and the endpoint is down', async () => {
    tokenAnswer = issue;
    gateway = await startGateway(env(), { clock });
    expect(await ready()).toMatchObject({ status: 200 });
    tokenAnswer = (res) => json(res, 500, { error: 'server_error' });
    clockOffsetMs += 3_600_000;
    expect(await ready()).toMatchObject({ status: 503, body: { checks: { 'identitynow token': 'failed' } } });
  });

  it('a static token needs no check', async () => {
    gateway = await startGateway({ IDENTITYNOW_URL: 'http://127.0.0.1:9/beta', IDENTITYNOW_TOKEN: 'static-token-0123456789' });
    expect(await ready()).toEqual({ status: 200, body: { ready: true, checks: { configuration: 'ok' } } });
  });
});

describe('readinessChecks', () => {
  it('a check of its own (the audit store) flips /ready with it, and /health stays up', async () => {
    let writable = true;
    const auditStore: ReadinessCheck = {
      name: 'audit store',
      check: async () => {
        if (!writable) throw new Error('the audit store is read-only');
      },
    };
    const flag: ReadinessCheck = { name: 'flag', check: async () => writable };
    gateway = await startGateway({}, { readinessChecks: [auditStore, flag] });
    expect(await ready()).toEqual({ status: 200, body: { ready: true, checks: { configuration: 'ok', 'audit store': 'ok', flag: 'ok' } } });
    writable = false;
    expect(await ready()).toEqual({
      status: 503,
      body: { ready: false, checks: { configuration: 'ok', 'audit store': 'failed', flag: 'failed' } },
    });
    expect((await fetch(new URL('/health', gateway.url))).status).toBe(200);
    writable = true;
    expect(await ready()).toMatchObject({ status: 200 });
  });

  it('answers GET and HEAD only', async () => {
    gateway = await startGateway({});
    expect((await fetch(new URL('/ready', gateway.url), { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(new URL('/ready', gateway.url), { method: 'POST' })).status).toBe(405);
  });
});
