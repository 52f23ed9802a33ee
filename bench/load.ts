/**
 * The load generator, run as its own process so it does not share an event loop with what it measures.
 * Takes a LoadSpec as JSON in argv[2], runs autocannon for that long and prints one LoadResult as JSON.
 */
import autocannon from 'autocannon';
import type { HttpRequest } from './workload.js';

export interface LoadSpec {
  origin: string;
  /** One request sent over and over, or a sequence each connection sends in turn, from the first again after the last. */
  request: HttpRequest | readonly HttpRequest[];
  connections: number;
  durationSeconds: number;
  /** When set, exactly this many requests are sent, however long they take, instead of running for a duration. */
  amount?: number;
  /** Requests per second over all connections; unset, each connection sends as fast as answers come. */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Milliseconds, from every response's own timing (autocannon's histogram rounds to whole ms). */
  p50: number;
  p99: number;
  /** Answers with a non-2xx status, or GraphQL answers carrying "errors". */
  errorResponses: number;
  /** Connection errors and timeouts. */
  transportErrors: number;
  /** One bad answer, to say why a run failed. */
  sampleError?: string;
  /** CPU time this load generator process used over its whole life, ms. */
  cpuMs: number;
}

function run(spec: LoadSpec, onLatency: (ms: number) => void) {
  let errorResponses = 0;
  let sampleError: string | undefined;
  const requests = Array.isArray(spec.request) ? spec.request : [spec.request as HttpRequest];
  let finish: (error: unknown, result: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon(
    {
      url: spec.origin,
      connections: spec.connections,
      ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSeconds }),
      timeout: 20,
      ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
      requests: requests.map((request) => ({
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        onResponse: (status: number, body: string) => {
          const ok = status >= 200 && status <= 299 && !(request.graphql && body.includes('"errors"'));
          if (ok) return;
          errorResponses += 1;
          sampleError ??= `status ${status}: ${body.slice(0, 500)}`;
        },
      })),
    },
    (error, result) => finish(error, result),
  );
  // autocannon emits (client, status, bytes, responseTime) though its types omit the client.
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
    onLatency(ms),
  );
  return done.then((result) => ({ result, errorResponses, sampleError }));
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const { result, errorResponses, sampleError } = await run(spec, (ms) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  });
  const sorted = latencies.subarray(0, count).sort();
  const usage = process.cpuUsage();
  const out: LoadResult = {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errorResponses,
    transportErrors: result.errors + result.timeouts,
    ...(sampleError !== undefined ? { sampleError } : {}),
    cpuMs: (usage.user + usage.system) / 1000,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
