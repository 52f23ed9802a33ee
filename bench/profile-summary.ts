/**
 * Reads the .cpuprofile files `node --cpu-prof` wrote and prints where the time went: self time by
 * package (or by file under src/) and the top functions. Also runnable on its own:
 * `tsx bench/profile-summary.ts <dir>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), dist/<file> or src/<file>, node:internal, or the V8 pseudo-frames. */
function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(${functionName || 'native'})`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const own = /\/(dist|src|bench)\/(.+)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*/, 'node:$1');
  return url;
}

function top(map: Map<string, number>, total: number, n: number): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)
    .join('\n');
}

export function summarizeProfiles(dir: string, n = 25): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  // Time with the function anywhere on the stack, for the gateway's own code (dist/ or src/).
  const ownInclusive = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      if (!node) return;
      total += us;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = area(url, functionName);
      byArea.set(where, (byArea.get(where) ?? 0) + us);
      const fn = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        const frame = nodes.get(at)!.callFrame;
        const place = area(frame.url, frame.functionName);
        if (!/^(dist|src)\//.test(place)) continue;
        const key = `${frame.functionName || '(anonymous)'}  ${place}:${frame.lineNumber + 1}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ownInclusive.set(key, (ownInclusive.get(key) ?? 0) + us);
      }
    });
  }
  const idle = byArea.get('(idle)') ?? 0;
  return [
    `CPU profile of the gateway (${files.length} file${files.length === 1 ? '' : 's'} in ${dir}): ${(total / 1e6).toFixed(1)} s sampled, ${((100 * idle) / total).toFixed(0)}% idle`,
    'self time by package / file:',
    top(byArea, total, n),
    'self time by function:',
    top(byFunction, total, n),
    "the gateway's own functions, time with each anywhere on the stack:",
    top(ownInclusive, total, n),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${summarizeProfiles(process.argv[2] ?? '.', Number(process.argv[3] ?? 25))}\n`);
}
