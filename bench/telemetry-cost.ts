/**
 * `npm run build && npx tsx bench/telemetry-cost.ts`: the CPU the gateway's telemetry adds to one
 * request, measured in-process on the compiled code (dist/: tsx's own transform adds a helper to every
 * closure, which would double what is measured), where a load test on a shared machine could not
 * tell 10 µs apart.
 *
 * One "request" is what the telemetry sees of a mutation with one upstream call: the request trace
 * (with the caller's X-Request-Id and traceparent), the metrics plugin's onResponse, and the upstream
 * call through the real `instrument` policies around a wire that answers at once. Three ways:
 * none (the trace and the call alone), metrics (the default), metrics and tracing (the SDK exporting
 * over OTLP/HTTP protobuf in batches to a sink in another process, so the export's encoding counts).
 * Each way runs in rounds, interleaved, and the median round is reported, in µs of CPU
 * (process.cpuUsage) per request.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type * as Plugin from '../src/metrics/plugin.js';
import type * as Registry from '../src/metrics/registry.js';
import type * as RequestTrace from '../src/trace/request-trace.js';
import type * as TracingIndex from '../src/tracing/index.js';
import type { Tracing } from '../src/tracing/index.js';
import type * as Policies from '../src/upstream/policies.js';
import type { Attempted, Call, CallTelemetry, Send } from '../src/upstream/policies.js';

const dist = (module: string) => import(new URL(`../dist/${module}`, import.meta.url).href);
const { GatewayMetrics } = (await dist('metrics/registry.js')) as typeof Registry;
const { metricsPlugin } = (await dist('metrics/plugin.js')) as typeof Plugin;
const { startTrace } = (await dist('trace/request-trace.js')) as typeof RequestTrace;
const { startTracing } = (await dist('tracing/index.js')) as typeof TracingIndex;
const { compose, instrument } = (await dist('upstream/policies.js')) as typeof Policies;

const ROUNDS = 7;
const PER_ROUND = 20_000;

const answer: Attempted = { exchange: { kind: 'answer', status: 200, headers: {}, body: new Uint8Array(0) } };
const wire: Send = async () => answer;

function call(trace: ReturnType<typeof startTrace>): Call {
  return {
    service: 'identitynow',
    operation: 'patchOauthClient',
    request: { origin: 'http://127.0.0.1:9', path: '/beta/oauth-clients/1', method: 'PATCH', headers: { ...trace.upstreamHeaders } },
    idempotent: false,
    deadline: 0,
    dispatchBy: 0,
    observer: trace,
    retries: 0,
    renewed: false,
  };
}

type Hook = (payload: any) => unknown;

function way(telemetry: CallTelemetry[], plugins: Array<{ onResponse?: unknown; instrumentation?: { request?: unknown } }>) {
  const send = compose(...telemetry.map(instrument))(wire);
  const onResponse = plugins.map((p) => p.onResponse as Hook | undefined).filter((h): h is Hook => h !== undefined);
  const wrappers = plugins.map((p) => p.instrumentation?.request as ((payload: unknown, wrapped: () => unknown) => unknown) | undefined);
  const response = new Response('{}', { headers: { 'content-type': 'application/json' } });
  return async () => {
    const request = new Request('http://127.0.0.1/graphql', {
      method: 'POST',
      headers: { 'x-request-id': 'bench-0f8fad5b', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    const handle = async () => {
      const trace = startTrace(request, 10);
      trace.operationType = 'mutation';
      trace.operationName = 'PatchClient';
      await send(call(trace));
      trace.path = '/graphql';
      trace.status = 200;
      for (const hook of onResponse) await hook({ request, response });
    };
    let run: () => unknown = handle;
    for (const wrap of wrappers.reverse())
      if (wrap)
        run = (
          (inner) => () =>
            wrap({ request }, inner)
        )(run);
    await run();
  };
}

// As a server under 32 connections would: 32 requests, then a turn of the event loop (the span exports' I/O runs).
async function measure(request: () => Promise<void>, n: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await request();
    if (i % 32 === 31) await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

async function main(): Promise<void> {
  const sink = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.writeHead(200).end()); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [portLine] = (await once(sink.stdout, 'data')) as [Buffer];
  const endpoint = `http://127.0.0.1:${portLine.toString().trim()}/v1/traces`;

  const metrics = new GatewayMetrics();
  const plugin = metricsPlugin(metrics, { graphqlEndpoint: '/graphql' });
  const tracing: Tracing = await startTracing({ endpoint, protocol: 'http/protobuf' });
  const ways: Record<string, () => Promise<void>> = {
    none: way([], []),
    metrics: way([metrics.upstream], [plugin]),
    'metrics + tracing': way([metrics.upstream, tracing.upstream], [tracing.plugin, plugin]),
  };
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
  for (const request of Object.values(ways)) await measure(request, PER_ROUND / 2);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, request] of Object.entries(ways)) {
      results[name]!.push(await measure(request, PER_ROUND));
      if (name === 'metrics + tracing') await tracing.flush();
    }
  }
  await tracing.shutdown();
  sink.kill();

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const none = median(results.none!);
  process.stdout.write(`${ROUNDS} rounds of ${PER_ROUND} requests each, median round, CPU µs per request:\n`);
  for (const [name, values] of Object.entries(results)) {
    const m = median(values);
    process.stdout.write(
      `  ${name.padEnd(18)} ${m.toFixed(2).padStart(6)} µs${name === 'none' ? '' : `   +${(m - none).toFixed(2)} µs over none`}   (rounds ${values.map((v) => v.toFixed(1)).join(' ')})\n`,
    );
  }
}

await main();
