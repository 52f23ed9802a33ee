/**
 * `npm run bench`: the gateway's cost per request against the upstream's own speed.
 *
 * Three kinds of process on loopback: a fast stub upstream (stub-upstream.ts), the gateway as it runs in
 * production (`node dist/main.js` with the node flags `npm start` passes, src/heap.ts's START_FLAGS,
 * NODE_ENV=production, *_URL at the stub), and the load generator (load.ts, autocannon), started once per
 * scenario. Each REST PATCH is measured sent straight to the stub and as the same change through the
 * gateway's mutation, in the same run; then how cost grows with the work in one request. Prints tables
 * and writes bench/results/<time>.json.
 *
 * The mixed scenario (group `mixed`) sends a read-heavy sequence (bench/workload.ts mixedRequests) to a
 * second stub that answers after a few milliseconds, as a vendor does, with the gateway's read coalescing
 * on and off and its read cache on and off, and counts the upstream calls per GraphQL request at the stub.
 *
 * The gateway's audit trail (every mutation writes an event before it is sent) is kept in a throwaway
 * PostgreSQL server when Debian's server binaries are installed, as replicas keep it; with
 * `--audit-store pglite`, or without them, in the embedded PGlite in a temporary directory.
 *
 * Options: --quick (short runs), --no-build (use dist/ as it is), --only <group>[,<group>] (rest, reference, aliases,
 * patch-ops, entities, mixed), --audit-store postgres|pglite, --profile (the gateway runs under --cpu-prof and the top costs are printed),
 * --node-flags "<flags>" (more Node options for the gateway process, e.g. "--max-old-space-size=256"),
 * --yoga-versions <v>[,<v>] (the minimal-yoga yardstick also on these graphql-yoga releases; see yoga-versions.ts),
 * --instructions (instructions per request under valgrind's callgrind instead of load; see instructions.ts),
 * --gateway-only (with --instructions: the gateway alone, without the yardsticks),
 * --gateway-env "<NAME=value>[,<NAME=value>]" (more variables for the gateway, e.g. an OTLP endpoint to measure tracing).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.js';
import {
  cpuTimeMs,
  machineCpuMs,
  peakRss,
  runProcess,
  startProcess,
  stopProcess,
  treeCpuMs,
  waitForQuiet,
  type Started,
} from './processes.js';
import { startAuditStore, type AuditStore } from './audit-store.js';
import { summarizeProfiles } from './profile-summary.js';
import { countInstructions, type InstructionCount, type InstructionTarget } from './instructions.js';
import { installYoga, parseYogaVersions } from './yoga-versions.js';
import { START_FLAGS } from '../src/heap.js';
import {
  aliasedPatches,
  AUTHENTIK_ROOT,
  directPatch,
  entities,
  ENTITIES_PROBE,
  GATEWAY_API_KEY,
  gatewayPatch,
  IDENTITYNOW_ROOT,
  HOT_CLIENT_IDS,
  mixedRequests,
  RAISED_LIMITS,
  STUB_COUNT_PATH,
  UPSTREAM_TOKEN,
  type HttpRequest,
  type Vendor,
} from './workload.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const RESULTS_DIR = join(ROOT, 'bench/results');

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const QUICK = flag('--quick');
const NODE_FLAGS = (option('--node-flags') ?? '').split(' ').filter((f) => f !== '');
const PROFILE = flag('--profile');
const WARMUP_SECONDS = QUICK ? 1 : 2;
/**
 * The runs the gateway's ratio to minimal-yoga is read from warm up longer: the gateway has more code
 * for V8 to compile, and two seconds of warm-up left it compiling into the measured period.
 */
const PAIRED_WARMUP_SECONDS = QUICK ? 2 : 6;
/**
 * Pairs of runs (the gateway, minimal-yoga) the ratio is read from. This VM's throughput moves by up to
 * ±30% between runs a minute apart; the median of four pairs moved much less than any one pair did.
 */
const PAIRS = QUICK ? 2 : 4;
const DURATION_SECONDS = QUICK ? 2 : 5;
const CONNECTIONS = PROFILE ? [32] : [1, 32, 128];
/** The work-scaling scenarios run at the connection count the targets are set for. */
const SCALING_CONNECTIONS = 32;
const YOGA_VERSIONS = (() => {
  try {
    return parseYogaVersions(option('--yoga-versions'));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
})();
const GATEWAY_ENV = Object.fromEntries(
  (option('--gateway-env') ?? '')
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const GROUPS = new Set((option('--only') ?? (PROFILE ? 'rest' : 'rest,reference,aliases,patch-ops,entities,mixed')).split(','));
const AUDIT_STORE = option('--audit-store') ?? 'postgres';
if (AUDIT_STORE !== 'postgres' && AUDIT_STORE !== 'pglite') {
  process.stderr.write(`--audit-store is postgres or pglite, not ${AUDIT_STORE}\n`);
  process.exit(2);
}
/** How long the mixed scenario's stub takes to answer each request. */
const MIXED_LATENCY_MS = 5;
/** The mixed scenario's read cache, when on. */
const MIXED_CACHE_TTL_MS = 1000;

/** Started in main, before any gateway. */
let auditStore: AuditStore | undefined;
let AUDIT_ENV: Record<string, string> = {};

/** Where the load goes: the stub itself, the gateway, or one of the yardstick servers (reference-server.ts). */
type Target = 'direct' | 'gateway' | ReferenceServer;
type ReferenceServer = 'minimal-yoga' | 'minimal-yoga-unlimited' | 'node-proxy';
const REFERENCE_SERVERS: readonly ReferenceServer[] = ['minimal-yoga', 'minimal-yoga-unlimited', 'node-proxy'];

interface Scenario {
  group: 'rest' | 'reference' | 'aliases' | 'patch-ops' | 'entities' | 'mixed';
  label: string;
  vendor: Vendor;
  target: Target;
  connections: number;
  /** One request, or a sequence each connection sends in turn. */
  request: HttpRequest | HttpRequest[];
  /** Upstream calls the gateway makes for one request; for the mixed scenario, counted at the stub instead. */
  upstreamCalls: number;
  /** More variables for the gateway. */
  gatewayEnv?: Record<string, string>;
  /** For a yoga yardstick: the graphql-yoga release it runs, when not the project's own. */
  yogaVersion?: string;
  /** The gateway and minimal-yoga are each measured PAIRS times for their ratio: which pair this run belongs to, from 1. */
  round?: number;
}

interface Measured extends Scenario {
  result?: LoadResult;
  skipped?: string;
  /** The peak RSS (bytes) of the process under test (gateway or yardstick), from its start to the end of the scenario. */
  serverPeakRss?: number;
  /** CPU time of the process under test per request, microseconds. */
  serverCpuUsPerRequest?: number;
  /**
   * Share of the machine's CPU time used by processes other than the bench's own during the scenario:
   * anything much above 0 means the numbers were taken on a busy machine.
   */
  otherCpuShare?: number;
  /** CPU time of the audit trail's PostgreSQL server per request, microseconds. */
  databaseCpuUsPerRequest?: number;
  /** Mixed scenario: the requests the stub answered during the measured period, per GraphQL request answered. */
  upstreamCallsPerRequest?: number;
}

function scenarios(): Scenario[] {
  const list: Scenario[] = [];
  if (GROUPS.has('rest')) {
    for (const vendor of ['identitynow', 'authentik'] as const) {
      const op =
        vendor === 'identitynow' ? `PATCH ${IDENTITYNOW_ROOT}/oauth-clients/{id}` : `PATCH ${AUTHENTIK_ROOT}/sources/oauth/{slug}/`;
      for (const connections of CONNECTIONS) {
        // A profile covers the gateway's whole life, so it gets only the runs that go through it.
        if (!PROFILE)
          list.push({ group: 'rest', label: op, vendor, target: 'direct', connections, request: directPatch(vendor), upstreamCalls: 1 });
        list.push({ group: 'rest', label: op, vendor, target: 'gateway', connections, request: gatewayPatch(vendor), upstreamCalls: 1 });
      }
    }
  }
  const connections = SCALING_CONNECTIONS;
  if (GROUPS.has('reference')) {
    const label = `PATCH ${IDENTITYNOW_ROOT}/oauth-clients/{id}`;
    if (!GROUPS.has('rest'))
      list.push({
        group: 'rest',
        label,
        vendor: 'identitynow',
        target: 'direct',
        connections,
        request: directPatch('identitynow'),
        upstreamCalls: 1,
      });
    const reference = (target: 'gateway' | ReferenceServer, round?: number): Scenario => ({
      group: 'reference',
      label,
      vendor: 'identitynow',
      target,
      connections,
      request: gatewayPatch('identitynow'),
      upstreamCalls: 1,
      ...(round ? { round } : {}),
    });
    // The gateway's ratio to minimal-yoga is read from PAIRS runs of each, each pair's order the other
    // way round from the one before (gateway, yoga, the other yardsticks, yoga, gateway, gateway, yoga…):
    // a machine whose speed drifts during the run moves both alike.
    for (let round = 1; round <= PAIRS; round++) {
      const pairOf = round % 2 === 1 ? (['gateway', 'minimal-yoga'] as const) : (['minimal-yoga', 'gateway'] as const);
      list.push(...pairOf.map((target) => reference(target, round)));
      if (round === 1) for (const target of REFERENCE_SERVERS) if (target !== 'minimal-yoga') list.push(reference(target));
    }
  }
  if (YOGA_VERSIONS.length > 0) {
    const label = `PATCH ${IDENTITYNOW_ROOT}/oauth-clients/{id}`;
    if (!GROUPS.has('rest') && !GROUPS.has('reference')) {
      list.push({
        group: 'rest',
        label,
        vendor: 'identitynow',
        target: 'direct',
        connections,
        request: directPatch('identitynow'),
        upstreamCalls: 1,
      });
    }
    for (const yogaVersion of YOGA_VERSIONS) {
      list.push({
        group: 'reference',
        label,
        vendor: 'identitynow',
        target: 'minimal-yoga',
        yogaVersion,
        connections,
        request: gatewayPatch('identitynow'),
        upstreamCalls: 1,
      });
    }
  }
  if (GROUPS.has('aliases')) {
    for (const n of [1, 10, 50]) {
      list.push({
        group: 'aliases',
        label: `${n} aliased mutation${n > 1 ? 's' : ''}`,
        vendor: 'identitynow',
        target: 'gateway',
        connections,
        request: aliasedPatches(n),
        upstreamCalls: n,
      });
    }
  }
  if (GROUPS.has('patch-ops')) {
    for (const n of [1, 100, 1000]) {
      const label = `patch of ${n} op${n > 1 ? 's' : ''}`;
      list.push({
        group: 'patch-ops',
        label,
        vendor: 'identitynow',
        target: 'direct',
        connections,
        request: directPatch('identitynow', n),
        upstreamCalls: 1,
      });
      list.push({
        group: 'patch-ops',
        label,
        vendor: 'identitynow',
        target: 'gateway',
        connections,
        request: gatewayPatch('identitynow', n),
        upstreamCalls: 1,
      });
    }
  }
  if (GROUPS.has('entities')) {
    for (const n of [1, 10, 100]) {
      list.push({
        group: 'entities',
        label: `_entities × ${n}`,
        vendor: 'identitynow',
        target: 'gateway',
        connections,
        request: entities(n),
        upstreamCalls: n,
      });
    }
  }
  if (GROUPS.has('mixed')) {
    for (const coalesce of [false, true]) {
      for (const cacheTtlMs of [0, MIXED_CACHE_TTL_MS]) {
        list.push({
          group: 'mixed',
          label: `coalescing ${coalesce ? 'on' : 'off'}, cache ${cacheTtlMs > 0 ? `${cacheTtlMs} ms` : 'off'}`,
          vendor: 'identitynow',
          target: 'gateway',
          connections,
          request: mixedRequests(),
          upstreamCalls: 1,
          gatewayEnv: { UPSTREAM_COALESCE_READS: String(coalesce), UPSTREAM_CACHE_TTL_MS: String(cacheTtlMs) },
        });
      }
    }
  }
  return list;
}

/** One request before the load: a scenario that fails it is reported with the reason instead of measured. */
async function preflight(origin: string, request: HttpRequest): Promise<string | undefined> {
  const res = await fetch(origin + request.path, { method: request.method, headers: request.headers, body: request.body });
  const text = await res.text();
  if (request.graphql) {
    const body = JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    const error = body.errors?.[0];
    if (error) return `${error.extensions?.code ?? 'error'}: ${error.message.slice(0, 160)}`;
  }
  if (res.status < 200 || res.status > 299) return `status ${res.status}: ${text.slice(0, 160)}`;
  return undefined;
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const out = await runProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load.ts'), JSON.stringify(spec)]);
  return JSON.parse(out) as LoadResult;
}

function gatewayEnv(stubOrigin: string, more: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    IDENTITYNOW_URL: stubOrigin + IDENTITYNOW_ROOT,
    IDENTITYNOW_TOKEN: UPSTREAM_TOKEN,
    AUTHENTIK_URL: stubOrigin + AUTHENTIK_ROOT,
    AUTHENTIK_TOKEN: UPSTREAM_TOKEN,
    GATEWAY_API_KEYS: GATEWAY_API_KEY,
    // The bench measures the gateway, not the vendor's quota: with a vendor's documented rate limit
    // (IdentityNow's 100/10s by default) every scenario would measure the gateway queueing for it.
    IDENTITYNOW_RATE_LIMIT: 'off',
    AUTHENTIK_RATE_LIMIT: 'off',
    ...RAISED_LIMITS,
    ...AUDIT_ENV,
    ...more,
    ...GATEWAY_ENV,
  };
}

/** How a server under test is started: its node arguments, environment, and the stdout line that says it listens. */
type ServerCommand = Omit<InstructionTarget, 'name'>;

const portOf = (ready: unknown) => (ready as { port: number }).port;

function gatewayCommand(stubOrigin: string, profileDir: string | undefined, env?: Record<string, string>): ServerCommand {
  const nodeArgs = [...START_FLAGS, ...NODE_FLAGS, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
  return {
    args: [...nodeArgs, join(ROOT, 'dist/main.js')],
    env: gatewayEnv(stubOrigin, env),
    isReady: (line) =>
      typeof (line as { msg?: unknown }).msg === 'string' && (line as { msg: string }).msg.startsWith('gateway listening on '),
    port: portOf,
  };
}

async function referenceCommand(server: ReferenceServer, stubOrigin: string, yogaVersion: string | undefined): Promise<ServerCommand> {
  return {
    args: ['--import', 'tsx', join(ROOT, 'bench/reference-server.ts'), server, stubOrigin],
    // NODE_ENV=production, as the gateway runs: outside it graphql-js adds a cross-realm check to every instanceof.
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      ...(yogaVersion ? { BENCH_YOGA_DIR: await installYoga(ROOT, yogaVersion) } : {}),
    },
    isReady: (line) => typeof (line as { port?: unknown }).port === 'number',
    port: portOf,
  };
}

async function startServer(command: ServerCommand): Promise<{ started: Started; origin: string }> {
  const started = await startProcess(process.execPath, command.args, command.env, command.isReady);
  return { started, origin: `http://127.0.0.1:${command.port(started.ready)}` };
}

function machine() {
  const yoga = JSON.parse(readFileSync(join(ROOT, 'node_modules/graphql-yoga/package.json'), 'utf8')) as { version: string };
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    graphqlYoga: yoga.version,
  };
}

// null: a NaN that went through JSON (a load run that answered nothing).
const fmt = (n: number | null | undefined, digits = 0) => (n === undefined || n === null || Number.isNaN(n) ? '—' : n.toFixed(digits));
const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / 1024 ** 2).toFixed(0));

/** Empty when there are no rows, so groups left out of a run print nothing. */
function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i < 2 ? ':' : '-') + '-'.repeat(w) + (i < 2 ? '-' : ':')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** The same REST call sent straight to the stub, in this run. */
function pair(measured: Measured[], s: Measured): Measured | undefined {
  return measured.find((m) => m.target === 'direct' && m.label === s.label && m.connections === s.connections);
}

function restTable(measured: Measured[]): string {
  const rows = measured
    .filter((m) => m.group === 'rest' && m.target === 'gateway')
    .map((g) => {
      const d = pair(measured, g);
      const dr = d?.result;
      const gr = g.result;
      return [
        g.vendor,
        String(g.connections),
        fmt(dr?.rps),
        `${fmt(dr?.p50, 2)} / ${fmt(dr?.p99, 2)}`,
        gr ? fmt(gr.rps) : `skipped: ${g.skipped}`,
        `${fmt(gr?.p50, 2)} / ${fmt(gr?.p99, 2)}`,
        dr && gr ? `${(gr.rps / dr.rps).toFixed(2)}×` : '—',
        dr && gr ? `+${fmt(gr.p50 - dr.p50, 2)} / +${fmt(gr.p99 - dr.p99, 2)}` : '—',
        fmt(g.serverCpuUsPerRequest),
        mb(g.serverPeakRss),
        gr ? String(gr.errorResponses + gr.transportErrors) : '—',
      ];
    });
  return table(
    [
      'upstream',
      'conns',
      'direct req/s',
      'direct p50/p99 ms',
      'gateway req/s',
      'gateway p50/p99 ms',
      'gateway ÷ direct',
      'added p50/p99 ms',
      'gateway CPU µs/req',
      'peak RSS MB',
      'errors',
    ],
    rows,
  );
}

function scalingTable(measured: Measured[]): string {
  const rows = measured
    .filter((m) => m.group !== 'rest' && m.group !== 'reference' && m.group !== 'mixed' && m.target === 'gateway')
    .map((g) => {
      const d = pair(measured, g)?.result;
      const gr = g.result;
      if (!gr) return [g.label, String(g.connections), `skipped: ${g.skipped}`, '', '', '', '', '', '', ''];
      return [
        g.label,
        String(g.connections),
        fmt(gr.rps),
        `${fmt(gr.p50, 2)} / ${fmt(gr.p99, 2)}`,
        fmt(gr.rps * g.upstreamCalls),
        d ? fmt(d.rps) : '—',
        d ? `${(gr.rps / d.rps).toFixed(2)}×` : '—',
        fmt(g.serverCpuUsPerRequest),
        mb(g.serverPeakRss),
        String(gr.errorResponses + gr.transportErrors),
      ];
    });
  return table(
    [
      'work in one request',
      'conns',
      'gateway req/s',
      'p50/p99 ms',
      'upstream calls/s',
      'direct req/s',
      'gateway ÷ direct',
      'gateway CPU µs/req',
      'peak RSS MB',
      'errors',
    ],
    rows,
  );
}

function serverName(m: Scenario): string {
  const name = m.target === 'gateway' ? 'the gateway' : m.target;
  return m.yogaVersion ? `${name} (graphql-yoga ${m.yogaVersion})` : m.round ? `${name} (run ${m.round})` : name;
}

/** The gateway beside the yardsticks, all taking the same IdentityNow patch request at 32 connections. */
function referenceTable(measured: Measured[]): string {
  const rows = measured
    .filter((m) => m.vendor === 'identitynow' && m.connections === SCALING_CONNECTIONS && m.group === 'reference')
    .map((m) => {
      const d = pair(measured, m)?.result;
      const r = m.result;
      const name = serverName(m);
      if (!r) return [name, String(m.connections), `skipped: ${m.skipped}`, '', '', '', '', ''];
      return [
        name,
        String(m.connections),
        fmt(r.rps),
        `${fmt(r.p50, 2)} / ${fmt(r.p99, 2)}`,
        d ? `${(r.rps / d.rps).toFixed(2)}×` : '—',
        fmt(m.serverCpuUsPerRequest),
        mb(m.serverPeakRss),
        String(r.errorResponses + r.transportErrors),
      ];
    });
  return table(['server (identitynow patch)', 'conns', 'req/s', 'p50/p99 ms', '÷ direct', 'CPU µs/req', 'peak RSS MB', 'errors'], rows);
}

/** The mixed scenario: upstream calls per GraphQL request with read coalescing and the read cache on and off. */
function mixedTable(measured: Measured[]): string {
  const rows = measured
    .filter((m) => m.group === 'mixed')
    .map((m) => {
      const r = m.result;
      if (!r) return [m.label, String(m.connections), `skipped: ${m.skipped}`, '', '', '', '', ''];
      return [
        m.label,
        String(m.connections),
        fmt(m.upstreamCallsPerRequest, 3),
        fmt(r.rps),
        `${fmt(r.p50, 2)} / ${fmt(r.p99, 2)}`,
        fmt(m.serverCpuUsPerRequest),
        mb(m.serverPeakRss),
        String(r.errorResponses + r.transportErrors),
      ];
    });
  if (rows.length === 0) return '';
  return (
    `mixed: each connection sends ${HOT_CLIENT_IDS.length} hot oauthClient(id:) reads, the oauthClients list, the ${HOT_CLIENT_IDS.length} reads again ` +
    `and one patchOAuthClient (1 write in 10); the stub answers each request after ${MIXED_LATENCY_MS} ms
` +
    table(
      [
        'mixed (identitynow, 10% writes)',
        'conns',
        'upstream calls / request',
        'req/s',
        'p50/p99 ms',
        'CPU µs/req',
        'peak RSS MB',
        'errors',
      ],
      rows,
    )
  );
}

/**
 * The gateway over the minimal-yoga yardstick (as shipped, the project's graphql-yoga), same request,
 * 32 connections: every run of each together (CPU time over requests, mean throughput), each pair
 * of runs that came next to each other, and the median pair.
 */
function yardstickRatio(measured: Measured[]): string | undefined {
  const runs = (target: Target) =>
    measured.filter(
      (m) => m.group === 'reference' && m.target === target && m.round !== undefined && m.result && m.serverCpuUsPerRequest !== undefined,
    );
  const gateway = runs('gateway');
  const yoga = runs('minimal-yoga');
  if (gateway.length === 0 || yoga.length === 0) return undefined;
  const cpu = (rows: Measured[]) =>
    rows.reduce((sum, m) => sum + m.serverCpuUsPerRequest! * m.result!.requests, 0) / rows.reduce((sum, m) => sum + m.result!.requests, 0);
  const rps = (rows: Measured[]) => rows.reduce((sum, m) => sum + m.result!.rps, 0) / rows.length;
  const pairs = gateway.flatMap((g) => {
    const y = yoga.find((m) => m.round === g.round);
    return y ? [{ round: g.round!, cpu: g.serverCpuUsPerRequest! / y.serverCpuUsPerRequest!, rps: g.result!.rps / y.result!.rps }] : [];
  });
  const adjacent = pairs.map((p) => `run ${p.round}: ${p.cpu.toFixed(2)}× / ${p.rps.toFixed(2)}×`);
  const medians =
    pairs.length > 2
      ? `; the median pair ${median(pairs.map((p) => p.cpu)).toFixed(2)}× / ${median(pairs.map((p) => p.rps)).toFixed(2)}×`
      : '';
  const database = gateway.filter((m) => m.databaseCpuUsPerRequest !== undefined);
  return (
    `the gateway ÷ minimal-yoga at 32 connections (identitynow patch, ${gateway.length} + ${yoga.length} runs): ` +
    `CPU per request ${(cpu(gateway) / cpu(yoga)).toFixed(2)}× (target ≤ 1×), throughput ${(rps(gateway) / rps(yoga)).toFixed(2)}× (target ≥ 1×)` +
    (adjacent.length > 0 ? ` [${adjacent.join(', ')}${medians}]` : '') +
    (database.length > 0
      ? `; the audit trail's PostgreSQL spent another ${fmt(database.reduce((sum, m) => sum + m.databaseCpuUsPerRequest!, 0) / database.length)} µs a request`
      : '')
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function verdict(measured: Measured[]): string[] {
  const lines: string[] = [];
  const ratio = yardstickRatio(measured);
  if (ratio) lines.push(ratio);
  const gateway = measured.filter((m) => m.target === 'gateway' && m.result);
  const errors = gateway.reduce((sum, m) => sum + m.result!.errorResponses + m.result!.transportErrors, 0);
  // The targets are read at 32 connections on the REST rows; the work-scaling rows send requests up to
  // ten times the default limits (RAISED_LIMITS), so their peak is reported beside it, not under it.
  const peakOf = (rows: Measured[]) => Math.max(0, ...rows.map((m) => m.serverPeakRss ?? 0));
  const peak = peakOf(gateway.filter((m) => (m.group === 'rest' || m.group === 'reference') && m.connections === 32));
  const scalingPeak = peakOf(gateway.filter((m) => m.group !== 'rest' && m.group !== 'reference'));
  for (const g of measured.filter((m) => m.group === 'rest' && m.target === 'gateway' && m.connections === 32 && m.result)) {
    const d = pair(measured, g)?.result;
    if (d) lines.push(`${g.vendor} at 32 connections: ${(g.result!.rps / d.rps).toFixed(2)}× direct (target ≥ 0.35×)`);
  }
  for (const m of measured.filter((x) => x.group === 'reference' && x.target !== 'gateway' && x.result)) {
    const d = pair(measured, m)?.result;
    if (d) lines.push(`yardstick ${serverName(m)} at 32 connections: ${(m.result!.rps / d.rps).toFixed(2)}× direct`);
  }
  if (gateway.length > 0) {
    lines.push(`error responses through the gateway: ${errors} (target 0)`);
    if (peak > 0) lines.push(`gateway peak RSS at 32 connections: ${mb(peak)} MB (target < 200 MB)`);
    if (scalingPeak > 0) lines.push(`gateway peak RSS in the work-scaling scenarios (limits raised): ${mb(scalingPeak)} MB`);
  }
  const busiest = Math.max(0, ...measured.map((m) => m.otherCpuShare ?? 0));
  if (busiest > 0.05)
    lines.push(
      `note: other processes used up to ${(100 * busiest).toFixed(0)}% of the CPUs during a scenario; numbers from a busy machine`,
    );
  const sample = gateway.find((m) => m.result!.sampleError)?.result?.sampleError;
  if (sample) lines.push(`first error response: ${sample}`);
  return lines;
}

/**
 * One scenario. A gateway scenario gets a gateway process of its own, so its peak RSS (VmHWM) is its
 * own and not what an earlier scenario left behind. The warm-up is a separate load run, so the CPU
 * times cover only the measured period.
 */
async function measure(scenario: Scenario, stub: Started, stubOrigin: string, profileDir: string | undefined): Promise<Measured> {
  const gateway =
    scenario.target === 'gateway'
      ? await startServer(gatewayCommand(stubOrigin, profileDir, scenario.gatewayEnv))
      : scenario.target !== 'direct'
        ? await startServer(await referenceCommand(scenario.target, stubOrigin, scenario.yogaVersion))
        : undefined;
  try {
    const origin = gateway?.origin ?? stubOrigin;
    if (scenario.group === 'entities') {
      const probe = await preflight(origin, ENTITIES_PROBE);
      if (probe?.includes('Cannot query field'))
        return { ...scenario, skipped: 'the schema has no _entities field (federation is not in this build)' };
    }
    for (const request of Array.isArray(scenario.request) ? scenario.request : [scenario.request]) {
      const refused = await preflight(origin, request);
      if (refused) return { ...scenario, skipped: refused };
    }

    const spec = { origin, request: scenario.request, connections: scenario.connections };
    const warmup = await load({ ...spec, durationSeconds: scenario.round ? PAIRED_WARMUP_SECONDS : WARMUP_SECONDS });
    await waitForQuiet();
    const pids = [gateway?.started.child.pid, stub.child.pid!];
    const database = auditStore?.pid;
    const sample = () => ({
      processes: pids.map((pid) => (pid === undefined ? 0 : cpuTimeMs(pid))),
      database: database === undefined ? undefined : treeCpuMs(database),
      machine: machineCpuMs(),
    });
    const counting = scenario.group === 'mixed';
    const callsBefore = counting ? await stubRequests(stubOrigin) : undefined;
    const before = sample();
    // Counted upstream calls are divided by the requests answered, so none may be cut off in flight at
    // the end: a fixed number of whole sequences, about the measured period's worth at the warm-up's rate.
    const sequence = Array.isArray(scenario.request) ? scenario.request.length * scenario.connections : 1;
    const amount = counting ? sequence * Math.max(1, Math.round((warmup.rps * DURATION_SECONDS) / sequence)) : undefined;
    const result = await load({ ...spec, durationSeconds: DURATION_SECONDS, ...(amount ? { amount } : {}) });
    const after = sample();
    const callsAfter = counting ? await stubRequests(stubOrigin) : undefined;

    const m: Measured = { ...scenario, result };
    const used = before.processes.map((ms, i) =>
      ms === undefined || after.processes[i] === undefined ? undefined : after.processes[i]! - ms,
    );
    if (used.every((ms) => ms !== undefined) && before.machine && after.machine) {
      const ours = used.reduce((a, b) => a! + b!, 0)! + result.cpuMs + (after.database ?? 0) - (before.database ?? 0);
      m.otherCpuShare = Math.max(0, (after.machine.busy - before.machine.busy - ours) / (after.machine.total - before.machine.total));
    }
    if (before.database !== undefined && after.database !== undefined)
      m.databaseCpuUsPerRequest = ((after.database - before.database) * 1000) / result.requests;
    if (callsBefore !== undefined && callsAfter !== undefined) m.upstreamCallsPerRequest = (callsAfter - callsBefore) / result.requests;
    if (gateway) {
      if (used[0] !== undefined) m.serverCpuUsPerRequest = (used[0] * 1000) / result.requests;
      const peak = peakRss(gateway.started.child.pid!);
      if (peak !== undefined) m.serverPeakRss = peak;
    }
    return m;
  } finally {
    if (gateway) await stopProcess(gateway.started.child);
  }
}

/** The requests the stub has answered so far. */
async function stubRequests(stubOrigin: string): Promise<number> {
  const res = await fetch(stubOrigin + STUB_COUNT_PATH);
  return ((await res.json()) as { requests: number }).requests;
}

/** --instructions: instructions per request of the gateway and the yardsticks, all on the IdentityNow patch. */
async function instructionsRun(stubOrigin: string, stamp: string): Promise<void> {
  // With --quick, V8 is still compiling during the counted requests: a check that the mode works, not numbers to compare.
  const counts = QUICK ? { warmup: 3000, measured: 500 } : { warmup: 10_000, measured: 1000 };
  process.stdout.write(
    `each server under valgrind --tool=callgrind: ${counts.warmup} requests of warm-up, then ${counts.measured} counted, 32 connections\n\n`,
  );
  const targets: InstructionTarget[] = [{ name: 'the gateway', ...gatewayCommand(stubOrigin, undefined) }];
  for (const server of flag('--gateway-only') ? [] : REFERENCE_SERVERS) {
    targets.push({ name: server, ...(await referenceCommand(server, stubOrigin, undefined)) });
  }
  for (const version of YOGA_VERSIONS) {
    targets.push({ name: `minimal-yoga (graphql-yoga ${version})`, ...(await referenceCommand('minimal-yoga', stubOrigin, version)) });
  }
  const results: InstructionCount[] = [];
  for (const target of targets) {
    const count = await countInstructions(target, gatewayPatch('identitynow'), load, counts);
    results.push(count);
    process.stdout.write(
      `${target.name}: ${count.mainThread} instructions a request on the main thread, ${count.allThreads} on all threads, ${count.errors} errors\n`,
    );
  }
  const k = (n: number) => `${(n / 1000).toFixed(0)}k`;
  process.stdout.write(
    `\n${table(
      ['server (identitynow patch)', 'requests', 'instructions/request (main thread)', 'all threads', 'errors'],
      results.map((r) => [r.name, String(r.requests), k(r.mainThread), k(r.allThreads), String(r.errors)]),
    )}\n`,
  );
  const gateway = results.find((r) => r.name === 'the gateway');
  const yoga = results.find((r) => r.name === 'minimal-yoga');
  const ratio =
    gateway && yoga ? { mainThread: gateway.mainThread / yoga.mainThread, allThreads: gateway.allThreads / yoga.allThreads } : undefined;
  if (ratio)
    process.stdout.write(
      `\nthe gateway ÷ minimal-yoga: ${ratio.mainThread.toFixed(2)}× the instructions a request on the main thread, ` +
        `${ratio.allThreads.toFixed(2)}× on all threads (target ≤ 1×)\n`,
    );
  const file = join(RESULTS_DIR, `${stamp}-instructions.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        time: new Date().toISOString(),
        machine: machine(),
        auditStore: auditStore!.description,
        counts,
        results,
        gatewayOverMinimalYoga: ratio,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nresults: ${file}\n`);
}

function startStub(latencyMs: number): Promise<Started> {
  return startProcess(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/stub-upstream.ts')],
    { PATH: process.env.PATH, BENCH_STUB_LATENCY_MS: String(latencyMs) },
    (line) => typeof (line as { port?: unknown }).port === 'number',
  );
}

const originOf = (stub: Started) => `http://127.0.0.1:${(stub.ready as { port: number }).port}`;

async function main(): Promise<void> {
  if (!flag('--no-build')) {
    process.stdout.write('building (npm run build)…\n');
    await runProcess('npm', ['run', '--silent', 'build'], process.env);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = PROFILE ? join(RESULTS_DIR, `profile-${stamp}`) : undefined;

  const stub = await startStub(0);
  const stubOrigin = originOf(stub);
  // The mixed scenario's upstream answers after a vendor's few milliseconds, so that identical reads overlap.
  const slowStub = !flag('--instructions') && GROUPS.has('mixed') ? await startStub(MIXED_LATENCY_MS) : undefined;
  try {
    auditStore = await startAuditStore(AUDIT_STORE as 'postgres' | 'pglite');
    AUDIT_ENV = auditStore.env;
    if (flag('--instructions')) await instructionsRun(stubOrigin, stamp);
    else await loadRun(stub, stubOrigin, slowStub, stamp, profileDir);
  } finally {
    await stopProcess(stub.child);
    if (slowStub) await stopProcess(slowStub.child);
    await auditStore?.stop();
  }
  if (profileDir) process.stdout.write(`\n${summarizeProfiles(profileDir)}\n`);
}

async function loadRun(stub: Started, stubOrigin: string, slowStub: Started | undefined, stamp: string, profileDir: string | undefined) {
  const measured: Measured[] = [];
  const info = machine();
  process.stdout.write(
    `stub upstream ${stubOrigin}; ${info.cpus} CPUs (${info.cpuModel}), Node ${info.node}, graphql-yoga ${info.graphqlYoga}\n` +
      `each scenario: ${WARMUP_SECONDS} s warm-up (${PAIRED_WARMUP_SECONDS} s for the gateway and minimal-yoga runs their ratio is read from), then ${DURATION_SECONDS} s measured; a fresh gateway process for each gateway scenario\n` +
      `limits raised for the bench: ${Object.entries(RAISED_LIMITS)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')}\n` +
      `gateway: node ${[...NODE_FLAGS, 'dist/main.js'].join(' ')}, NODE_ENV=production; audit trail: ${auditStore!.description}\n` +
      (slowStub
        ? `mixed scenario: its own stub upstream ${originOf(slowStub)}, answering each request after ${MIXED_LATENCY_MS} ms\n`
        : '') +
      '\n',
  );
  for (const scenario of scenarios()) {
    const name = `${serverName(scenario).padEnd(7)} ${scenario.label} (${scenario.vendor}), ${scenario.connections} conn`;
    const m =
      scenario.group === 'mixed'
        ? await measure(scenario, slowStub!, originOf(slowStub!), profileDir)
        : await measure(scenario, stub, stubOrigin, profileDir);
    measured.push(m);
    if (m.skipped) {
      process.stdout.write(`${name}: skipped, ${m.skipped}\n`);
      continue;
    }
    const r = m.result!;
    process.stdout.write(
      `${name}: ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, ${r.errorResponses + r.transportErrors} errors` +
        `${m.upstreamCallsPerRequest !== undefined ? `, ${fmt(m.upstreamCallsPerRequest, 3)} upstream calls a request` : ''}` +
        `${m.otherCpuShare !== undefined && m.otherCpuShare > 0.05 ? ` (other processes used ${(100 * m.otherCpuShare).toFixed(0)}% of the CPUs meanwhile)` : ''}\n`,
    );
  }

  const rest = restTable(measured);
  const reference = referenceTable(measured);
  const scaling = scalingTable(measured);
  const mixed = mixedTable(measured);
  const summary = verdict(measured);
  process.stdout.write(`\n${[rest, reference, scaling, mixed, summary.join('\n')].filter((part) => part !== '').join('\n\n')}\n`);

  const file = join(RESULTS_DIR, `${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        time: new Date().toISOString(),
        machine: info,
        gatewayNodeFlags: NODE_FLAGS,
        auditStore: auditStore!.description,
        warmupSeconds: WARMUP_SECONDS,
        durationSeconds: DURATION_SECONDS,
        raisedLimits: RAISED_LIMITS,
        mixed: { stubLatencyMs: MIXED_LATENCY_MS, cacheTtlMs: MIXED_CACHE_TTL_MS },
        scenarios: measured,
        summary,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nresults: ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
