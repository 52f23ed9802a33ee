/**
 * `npx tsx .ci/dockerfile.ts`: the Dockerfile's steps, run without a Docker engine on a clean copy of
 * the repository, so the Dockerfile stays true. Each stage gets a directory standing for its image's
 * file system; COPY copies into it (from the build context, or from an earlier stage), RUN runs there
 * in the stage's WORKDIR with its ENV. Then the last stage is checked as the image would run: a
 * non-root USER, no dev dependency, the EXPOSEd port is PORT, and its CMD starts, passes its own
 * HEALTHCHECK, answers /ready, and stops on SIGTERM with code 0. After a RUN of `npm run build`, a
 * second build must write nothing (that is what keeps `npm start` quick).
 *
 * What it cannot check: the base image itself (RUN uses this machine's node and npm, not the
 * image's), and file ownership. An instruction it does not know fails it, rather than being skipped.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, type Dirent } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  expose: string[];
  healthcheck?: string[];
  cmd?: string[];
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'dockerfile-'));
const started = Date.now();

function say(message: string): void {
  process.stdout.write(`[dockerfile ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

function fail(message: string): never {
  throw new Error(message);
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function parse(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const whole = pending + line;
    pending = '';
    const match = /^(\S+)\s+([\s\S]*)$/.exec(whole) ?? fail(`line ${startLine}: not an instruction: ${whole}`);
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: startLine });
  });
  return instructions;
}

/** An exec-form JSON array, or a shell-form command run by /bin/sh -c. */
function command(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
}

/** ENV in its `a=b c=d` form (values may be double-quoted). */
function envPairs(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [, name, quoted, bare] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) pairs[name!] = quoted ?? bare ?? '';
  if (Object.keys(pairs).length === 0) fail(`ENV ${args}: only the NAME=value form is supported`);
  return pairs;
}

/** The build context as Docker would send it: the repository's files, less .dockerignore's. */
function context(): string {
  const dir = join(work, 'context');
  const ignored = existsSync(join(REPO, '.dockerignore'))
    ? readFileSync(join(REPO, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
    : [];
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO, f)));
  const matches = (file: string) =>
    ignored.some((pattern) =>
      pattern.startsWith('*.') ? file.endsWith(pattern.slice(1)) : file === pattern || file.startsWith(`${pattern}/`),
    );
  for (const file of files) {
    if (matches(file)) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(REPO, file), join(dir, file));
  }
  return dir;
}

function inImage(stage: Stage, path: string): string {
  const absolute = posix.isAbsolute(path) ? path : posix.join(stage.workdir, path);
  return join(stage.root, absolute);
}

function copy(stage: Stage, args: string, contextDir: string, stages: Map<string, Stage>): void {
  const parts = args.split(/\s+/);
  const from = parts[0]?.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
  if (parts.some((p) => p.startsWith('--'))) fail(`COPY ${args}: only --from is supported`);
  const dest = parts.pop() ?? fail(`COPY ${args}: no destination`);
  if (parts.length === 0) fail(`COPY ${args}: no source`);
  const source = from === undefined ? undefined : (stages.get(from) ?? fail(`COPY --from=${from}: no such stage`));
  const target = inImage(stage, dest);
  for (const src of parts) {
    const origin = source ? inImage(source, src) : join(contextDir, src);
    if (!existsSync(origin)) fail(`COPY ${args}: ${src} does not exist ${source ? `in stage ${from}` : 'in the build context'}`);
    // As Docker: a directory's contents go into the destination; a file goes into it when it is a directory.
    const into = statSync(origin).isDirectory() || !(dest.endsWith('/') || parts.length > 1) ? target : join(target, posix.basename(src));
    mkdirSync(statSync(origin).isDirectory() ? into : dirname(into), { recursive: true });
    cpSync(origin, into, { recursive: true });
  }
}

function run(stage: Stage, args: string): void {
  const [file, ...argv] = command(args);
  const cwd = join(stage.root, stage.workdir);
  say(`${stage.name}: RUN ${args}`);
  const result = spawnSync(file!, argv, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache, ...stage.env },
    stdio: 'inherit',
  });
  if (result.status !== 0) fail(`${stage.name}: RUN ${args} exited with ${result.status ?? result.signal}`);
}

function build(instructions: Instruction[], contextDir: string): Stage {
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  for (const { keyword, args, line } of instructions) {
    if (keyword === 'FROM') {
      const [, name] = /^\S+(?:\s+AS\s+(\S+))?$/i.exec(args) ?? fail(`line ${line}: FROM ${args}`);
      const stageName = name ?? `stage-${stages.size}`;
      stage = { name: stageName, root: join(work, 'stages', stageName), workdir: '/', env: {}, expose: [] };
      mkdirSync(stage.root, { recursive: true });
      stages.set(stageName, stage);
      say(`stage ${stageName} (${args.split(/\s+/)[0]})`);
      continue;
    }
    if (!stage) fail(`line ${line}: ${keyword} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, args);
        mkdirSync(join(stage.root, stage.workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(stage.env, envPairs(args));
        break;
      case 'COPY':
        copy(stage, args, contextDir, stages);
        break;
      case 'RUN':
        run(stage, args);
        if (/^npm run (--silent )?build$/.test(args)) rebuildIsNoop(stage);
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'EXPOSE':
        stage.expose.push(...args.split(/\s+/));
        break;
      case 'HEALTHCHECK': {
        const cmd = /\bCMD\s+([\s\S]+)$/.exec(args) ?? fail(`line ${line}: HEALTHCHECK without CMD`);
        stage.healthcheck = command(cmd[1]!);
        break;
      }
      case 'CMD':
        stage.cmd = command(args);
        break;
      default:
        fail(`line ${line}: ${keyword} is not supported by this check; teach .ci/dockerfile.ts what it means`);
    }
  }
  return stage ?? fail('no FROM in the Dockerfile');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The last stage as its container would run: CMD, then its HEALTHCHECK until it passes, /ready, SIGTERM. */
async function runImage(image: Stage): Promise<void> {
  const user = image.user ?? fail('the image has no USER: it would run as root');
  if (/^(root|0)(:|$)/.test(user)) fail(`the image runs as ${user}`);
  if (!image.expose.includes(image.env.PORT ?? '')) fail(`EXPOSE ${image.expose.join(' ')} is not PORT=${image.env.PORT}`);
  const health = image.healthcheck ?? fail('the image has no HEALTHCHECK');
  const cmd = image.cmd ?? fail('the image has no CMD');
  // Loopback and a free port here; the image's own PORT goes to the health check the same way.
  const port = String(await freePort());
  const env = { PATH: process.env.PATH, ...image.env, HOST: '127.0.0.1', PORT: port };
  const cwd = join(image.root, image.workdir);
  say(`image: CMD ${cmd.join(' ')} (HOST=127.0.0.1 PORT=${port})`);
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) fail(`CMD exited with ${child.exitCode} before it was healthy:\n${output}`);
      if (spawnSync(health[0]!, health.slice(1), { cwd, env, stdio: 'ignore' }).status === 0) break;
      if (Date.now() > deadline) fail(`the HEALTHCHECK did not pass within 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    say('image: HEALTHCHECK passes');
    // As a readiness probe would: the gateway serves while its audit store opens, and is ready after.
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      if (ready.status === 200) break;
      const body = await ready.text();
      if (Date.now() > deadline) fail(`/ready still answered ${ready.status} after 30 s: ${body}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    say('image: /ready answers 200');
  } finally {
    child.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0) fail(`the image's CMD exited with ${code} on SIGTERM:\n${output}`);
  say('image: stopped with code 0 on SIGTERM');
}

/** `npm start` must not compile a build that is up to date: a second build writes nothing. */
function rebuildIsNoop(stage: Stage): void {
  const cwd = join(stage.root, stage.workdir);
  const outputs = (readdirSync(join(cwd, 'dist'), { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  if (outputs.length === 0) fail('npm run build wrote nothing into dist/');
  const before = new Map(outputs.map((file) => [file, statSync(file).mtimeMs]));
  const t0 = Date.now();
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: 'inherit',
  });
  if (result.status !== 0) fail('the second npm run build failed');
  const changed = [...before].filter(([file, mtime]) => statSync(file).mtimeMs !== mtime).map(([file]) => file);
  if (changed.length > 0) fail(`a second npm run build wrote ${changed.length} files again (${changed.slice(0, 3).join(', ')}…)`);
  say(`a second npm run build compiled nothing (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function main(): Promise<void> {
  try {
    const instructions = parse(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
    const contextDir = context();
    say(`build context: ${contextDir}`);
    const image = build(instructions, contextDir);
    if (existsSync(join(image.root, image.workdir, 'node_modules', 'typescript'))) {
      fail('the image holds dev dependencies (typescript)');
    }
    await runImage(image);
    say('the Dockerfile builds and runs');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
