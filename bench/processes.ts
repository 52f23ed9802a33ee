/** Starting, watching and stopping the benchmark's separate processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Started {
  child: ChildProcess;
  /** The first stdout line that matched, parsed. */
  ready: unknown;
}

/**
 * Spawns a process and resolves with the first stdout line (parsed as JSON) that `isReady` accepts;
 * rejects if the process exits first. stdout keeps being drained afterwards so it never blocks.
 */
// Children still running when the bench exits (an error, a closed stdout) are killed with it.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  isReady: (line: unknown) => boolean,
): Promise<Started> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const output: string[] = [];
  return new Promise<Started>((resolve, reject) => {
    let ready = false;
    const onExit = (code: number | null, signal: string | null) => {
      if (!ready) reject(new Error(`${args.join(' ')} exited (${signal ?? code}) before it was ready:\n${output.join('\n')}`));
    };
    child.once('exit', onExit);
    child.once('error', reject);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (ready) return;
      output.push(line);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if (isReady(parsed)) {
        ready = true;
        // From now on the output (the gateway's request log) is drained unread, to cost the bench little.
        lines.close();
        child.stdout!.on('data', () => {}).resume();
        resolve({ child, ready: parsed });
      }
    });
  });
}

/** Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`), so profiles and ports are released. */
export function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs a process to completion and returns its stdout; rejects with its stderr on a non-zero exit. */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else
        reject(
          new Error(`${command} ${args.join(' ')} failed (${code}):\n${Buffer.concat(out).toString()}${Buffer.concat(err).toString()}`),
        );
    });
  });
}

function statusField(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) of a process since it started, in bytes. */
export function peakRss(pid: number): number | undefined {
  return statusField(pid, 'VmHWM');
}

/** CPU time (user + system) the process has used, in milliseconds. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces, closed by the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) of a process and all its descendants alive now, with what its children that
 * exited were charged, in milliseconds: for a server that forks a process per connection (PostgreSQL).
 */
export function treeCpuMs(root: number): number | undefined {
  const stats = new Map<number, { ppid: number; fields: string[] }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), fields });
    } catch {
      // It exited meanwhile.
    }
  }
  if (!stats.has(root)) return undefined;
  let ticks = 0;
  const add = (pid: number, withChildren: boolean) => {
    const { fields } = stats.get(pid)!;
    ticks += Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  };
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid }] of stats) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of tree) add(pid, true);
  return (ticks * 1000) / CLOCK_TICKS;
}

// USER_HZ: 100 on every Linux architecture Node supports.
const CLOCK_TICKS = 100;

/** CPU time all processes on the machine have used, and wall time times CPUs, in ms (from /proc/stat). */
export function machineCpuMs(): { busy: number; total: number } | undefined {
  try {
    const ticks = cpuTicks();
    return { busy: (ticks.busy * 1000) / CLOCK_TICKS, total: (ticks.total * 1000) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle + iowait
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/**
 * Waits until the machine's CPUs are mostly idle (other work would skew the numbers), up to
 * `maxWaitMs`. Returns the busy share of the last second looked at, 0..1, or undefined without /proc.
 */
export async function waitForQuiet(maxBusy = 0.15, maxWaitMs = 30_000): Promise<number | undefined> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    let before: ReturnType<typeof cpuTicks>;
    try {
      before = cpuTicks();
    } catch {
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = cpuTicks();
    const busy = (after.busy - before.busy) / Math.max(1, after.total - before.total);
    if (busy <= maxBusy || Date.now() >= deadline) return busy;
  }
}
