import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export type LogEntry = Record<string, any>;

/** The real entry point (src/main.ts) in a process of its own, with its JSON log lines. */
export interface EntryPoint {
  child: ChildProcess;
  port: number;
  url: string;
  lines: LogEntry[];
  /** The first log line whose message matches, logged already or to come. */
  logged(pattern: RegExp): Promise<LogEntry>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startEntryPoint(env: Record<string, string>): Promise<EntryPoint> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const lines: LogEntry[] = [];
  const waiters: Array<{ pattern: RegExp; resolve(entry: LogEntry): void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = JSON.parse(line) as LogEntry;
    lines.push(parsed);
    for (const waiter of waiters) if (waiter.pattern.test(String(parsed.msg))) waiter.resolve(parsed);
  });
  const logged = (pattern: RegExp) => {
    const seen = lines.find((l) => pattern.test(String(l.msg)));
    return seen ? Promise.resolve(seen) : new Promise<LogEntry>((resolve) => waiters.push({ pattern, resolve }));
  };
  const listening = await Promise.race([
    logged(/^gateway listening on /),
    exited.then(() => Promise.reject(new Error(`exited before listening: ${JSON.stringify(lines.slice(-3))}`))),
  ]);
  const port = listening.port as number;
  return { child, port, url: `http://127.0.0.1:${port}/graphql`, lines, logged, exited };
}
