/**
 * Other graphql-yoga releases for the minimal-yoga yardstick (`npm run bench -- --yoga-versions 5.23.0,5.24.1`):
 * each is installed once with npm into bench/.yoga/<version>/, with its own graphql and whatwg-node
 * packages, beside the project's dependencies and never in them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from './processes.js';

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export function parseYogaVersions(list: string | undefined): string[] {
  if (list === undefined) return [];
  const versions = list
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const bad = versions.find((v) => !VERSION.test(v));
  if (bad !== undefined) throw new Error(`--yoga-versions: "${bad}" is not an exact graphql-yoga version such as 5.23.0`);
  return versions;
}

/** The directory holding graphql-yoga@version, installed from the npm registry on first use. */
export async function installYoga(root: string, version: string): Promise<string> {
  const dir = join(root, 'bench/.yoga', version);
  if (existsSync(join(dir, 'node_modules/graphql-yoga/package.json'))) return dir;
  mkdirSync(dir, { recursive: true });
  await runProcess('npm', [
    'install',
    '--prefix',
    dir,
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `graphql-yoga@${version}`,
    'graphql@16',
  ]);
  return dir;
}
