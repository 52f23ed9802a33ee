import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chown } from 'node:fs/promises';
import { userInfo } from 'node:os';

/**
 * Servers that refuse to run as root (PostgreSQL's initdb and postgres) or should not (nginx's
 * workers) run as an unprivileged system user when the tests run as root, as CI does; otherwise as
 * the user running the tests.
 */
const AS_ROOT = userInfo().uid === 0;

/** Spawns `command` as `user` when running as root, else as the current user. */
export function spawnAs(user: string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return AS_ROOT ? spawn('runuser', ['-u', user, '--', command, ...args], options) : spawn(command, args, options);
}

/** Hands a directory the test created to `user`, so the server running as that user can write in it. */
export async function handOver(path: string, user: string): Promise<void> {
  if (!AS_ROOT) return;
  const { uid, gid } = await idsOf(user);
  await chown(path, uid, gid);
}

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const child = spawn('id', ['-u', user]);
  const childGid = spawn('id', ['-g', user]);
  const [uid, gid] = await Promise.all([output(child), output(childGid)]);
  return { uid: Number(uid), gid: Number(gid) };
}

async function output(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`${child.spawnargs.join(' ')} exited with ${code}`);
  return text.trim();
}
