import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from './helpers/prometheus.js';

// The `oauth-gateway` command (src/cli.ts, package.json bin) as production runs it: NODE_ENV=production
// and metrics on a port of their own. What it says at start, what each port answers, and a clean stop.
const CLI = ['--import', 'tsx', 'src/cli.ts'];
const baseEnv = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0' };

describe('oauth-gateway in production', () => {
  let child: ChildProcess;
  const lines: Array<Record<string, unknown>> = [];
  let main: string;
  let metrics: string;

  beforeAll(async () => {
    child = spawn(process.execPath, CLI, {
      env: { ...baseEnv, NODE_ENV: 'production', GATEWAY_METRICS_PORT: '0', LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const reader = createInterface({ input: child.stdout! });
    [main, metrics] = await new Promise<[string, string]>((resolve, reject) => {
      let metricsUrl = '';
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      reader.on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        const msg = String(entry.msg);
        metricsUrl ||= /^metrics on (http:\S+) \(not on the main port\)/.exec(msg)?.[1] ?? '';
        const listening = /listening on (http:\S+)\/graphql/.exec(msg);
        if (listening) resolve([listening[1]!, metricsUrl]);
      });
    });
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('says at start that GraphiQL and introspection are off, and where the metrics are', () => {
    const messages = lines.map((l) => String(l.msg));
    expect(messages).toContain('GraphiQL is off (GATEWAY_GRAPHIQL; off by default with NODE_ENV=production)');
    expect(messages).toContain('introspection is off (GATEWAY_INTROSPECTION; off by default with NODE_ENV=production)');
    expect(metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(metrics).not.toContain(new URL(main).port);
  });

  it('the main port: probes, no GraphiQL, no /metrics', async () => {
    expect((await fetch(`${main}/health`)).status).toBe(200);
    const ready = await fetch(`${main}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { configuration: 'ok', 'audit store': 'ok' } });
    const page = await fetch(`${main}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    expect((await fetch(`${main}/metrics`)).status).toBe(404);
  });

  it('the metrics port: /metrics only, counting the requests the main port served', async () => {
    const res = await fetch(`${main}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ oauthClients { id } }' }),
    });
    expect(res.status).toBe(200);
    const scrape = await fetch(metrics);
    expect(scrape.status).toBe(200);
    const samples = parseExposition(await scrape.text());
    expect(sampleValue(samples, 'gateway_graphql_requests_total', { operation_type: 'query', code: 'OK' })).toBe(1);
    expect(
      sampleValue(samples, 'gateway_upstream_calls_total', { service: 'identitynow', operation: 'listOauthClients', status: '200' }),
    ).toBe(1);
    expect((await fetch(new URL('/graphql', metrics))).status).toBe(404);
  });

  it('logs the probes at debug level only', () => {
    const probes = lines.filter((l) => l.msg === 'request' && ['/health', '/ready'].includes(String(l.path)));
    expect(probes.length).toBeGreaterThan(0);
    for (const line of probes) expect(line.level).toBe('debug');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});

describe('oauth-gateway --help', () => {
  it('lists the settings and exits 0 without starting', () => {
    const result = spawnSync(process.execPath, [...CLI, '--help'], { env: baseEnv, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: oauth-gateway [--help | --version]');
    for (const name of ['PORT', 'IDENTITYNOW_CLIENT_SECRET', 'GATEWAY_METRICS_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'LOG_LEVEL']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('refuses an argument it does not know', () => {
    const result = spawnSync(process.execPath, [...CLI, '--port=4000'], { env: baseEnv, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown argument "--port=4000"');
  });
});
