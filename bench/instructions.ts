/**
 * `npm run bench -- --instructions`: what one request costs in machine instructions, counted by
 * valgrind's callgrind. CPU time on a shared VM moves by ±30% between runs; instruction counts of
 * the same build repeat within a few percent, so they can tell whether a change made a request cheaper.
 *
 * Each server runs under callgrind with counting off; after a warm-up (so V8 has compiled the hot code)
 * counting is switched on for a fixed number of requests, then off, and the counts are dumped. The main
 * thread's count is the JavaScript, the HTTP handling and the scavenges; the total adds V8's compiler
 * and GC helper threads, which vary more from run to run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load.js';
import { runProcess, startProcess, stopProcess } from './processes.js';

export interface InstructionTarget {
  name: string;
  /** The node arguments (script and its argv) of the server. */
  args: string[];
  env: NodeJS.ProcessEnv;
  isReady: (line: unknown) => boolean;
  port: (ready: unknown) => number;
}

export interface InstructionCount {
  name: string;
  requests: number;
  errors: number;
  /** Instructions per request on the main thread. */
  mainThread: number;
  /** Instructions per request on all threads. */
  allThreads: number;
}

export async function countInstructions(
  target: InstructionTarget,
  request: LoadSpec['request'],
  load: (spec: LoadSpec) => Promise<LoadResult>,
  counts: { warmup: number; measured: number },
): Promise<InstructionCount> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  try {
    return await counted(dir, target, request, load, counts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function counted(
  dir: string,
  target: InstructionTarget,
  request: LoadSpec['request'],
  load: (spec: LoadSpec) => Promise<LoadResult>,
  counts: { warmup: number; measured: number },
): Promise<InstructionCount> {
  const valgrind = [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    `--callgrind-out-file=${join(dir, 'callgrind.%p')}`,
  ];
  const started = await startProcess('valgrind', [...valgrind, process.execPath, ...target.args], target.env, target.isReady);
  const pid = String(started.child.pid);
  // valgrind names the pipes callgrind_control talks through after $HOST (among others), and the
  // gateway's environment sets HOST to its listening address: the two must see the same value.
  const controlEnv = { ...process.env };
  if (target.env.HOST === undefined) delete controlEnv.HOST;
  else controlEnv.HOST = target.env.HOST;
  const control = (...args: string[]) => runProcess('callgrind_control', [...args, pid], controlEnv);
  let result: LoadResult;
  try {
    const spec = { origin: `http://127.0.0.1:${target.port(started.ready)}`, request, connections: 32, durationSeconds: 0 };
    await load({ ...spec, amount: counts.warmup });
    await control('--instr=on');
    result = await load({ ...spec, amount: counts.measured });
    await control('--instr=off');
    await control('--dump');
    await awaitDump(dir, spec.origin);
  } finally {
    await stopProcess(started.child);
  }
  const dumps = readdirSync(dir).filter(isDump);
  const total = (files: string[]) => files.reduce((sum, f) => sum + dumpTotal(readFileSync(join(dir, f), 'utf8')), 0);
  return {
    name: target.name,
    requests: result.requests,
    errors: result.errorResponses + result.transportErrors,
    mainThread: Math.round(total(dumps.filter((f) => f.endsWith('.1-01'))) / result.requests),
    allThreads: Math.round(total(dumps) / result.requests),
  };
}

/** The requested dump's files are callgrind.<pid>.1-<thread>; thread 01 is the main thread. */
const isDump = (file: string) => /\.1-\d+$/.test(file);

/**
 * Waits for the main thread's dump to be complete. An idle process takes callgrind's commands only
 * when it next runs, so it is woken with a request (after counting was switched off) until it is.
 */
async function awaitDump(dir: string, origin: string): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 500) {
    const main = readdirSync(dir).find((f) => f.endsWith('.1-01'));
    if (main && /^totals: /m.test(readFileSync(join(dir, main), 'utf8'))) return;
    await fetch(origin)
      .then((res) => res.arrayBuffer())
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`callgrind wrote no dump of the counted requests into ${dir} within a minute`);
}

function dumpTotal(text: string): number {
  const match = /^totals: (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}
