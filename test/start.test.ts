import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_QUERY } from '../src/gateway.js';

// The entry point as `npm start` runs it with nothing configured: it must start the sandbox,
// say so, serve GraphiQL with a working example, and stop cleanly on SIGTERM.
let child: ChildProcess;
const lines: Array<Record<string, unknown>> = [];
let url: string;

beforeAll(async () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1' };
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const reader = createInterface({ input: child.stdout! });
  url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    reader.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      const match = /listening on (http:\S+)/.exec(String(entry.msg));
      if (match) resolve(match[1]!);
    });
  });
  // The audit trail's embedded PostgreSQL starts in memory first; under a parallel test run that takes seconds.
}, 60_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

it('names each upstream URL and says it is the sandbox', () => {
  const upstreams = lines.filter((l) => String(l.msg).startsWith('upstream '));
  expect(upstreams.map((l) => l.service).sort()).toEqual(['authentik', 'identitynow', 'launchdarkly']);
  for (const line of upstreams) {
    expect(line.sandbox).toBe(true);
    expect(String(line.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(String(line.msg)).toContain('sandbox');
  }
});

it('serves GraphiQL and a liveness answer', async () => {
  const page = await fetch(url, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('graphiql');
  // Served from the gateway itself: no CDN needed on a closed network.
  expect(html).not.toContain('unpkg.com');
  const health = await fetch(new URL('/health', url));
  expect(health.status).toBe(200);
});

it('the example in the GraphiQL editor works against the sandbox', async () => {
  for (const operationName of ['Clients', 'PatchClient']) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: EXAMPLE_QUERY, operationName }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data).toBeTruthy();
  }
});

it('records every write in the audit trail, in memory, and answers auditEvents with no setup', async () => {
  expect(lines.find((l) => String(l.msg).startsWith('audit trail: '))?.msg).toMatch(/in memory/);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ auditEvents { nodes { service operation resourceId outcome caller changes { field after } } } }' }),
  });
  const body = (await res.json()) as { data?: { auditEvents: { nodes: unknown[] } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  // The example's PatchClient, run by the test before.
  expect(body.data?.auditEvents.nodes).toEqual([
    {
      service: 'IDENTITYNOW',
      operation: 'patchOauthClient',
      resourceId: '2c9180835d2e5168015d32f890ca1581',
      outcome: 'APPLIED',
      caller: 'anonymous',
      changes: [
        { field: 'description', after: 'Changed through the gateway' },
        { field: 'accessTokenValiditySeconds', after: 900 },
      ],
    },
  ]);
});

it('stops on SIGTERM with exit code 0', async () => {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
});
