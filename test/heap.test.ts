import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth, MAX_SEMI_SPACE_MB, START_FLAGS } from '../src/heap.js';

const HEAP_MODULE = fileURLToPath(new URL('../src/heap.ts', import.meta.url));

// A server's pattern: some data stays live, every "request" leaves garbage that survives a few
// young-generation collections. Prints the most V8 committed meanwhile to the young generation and to
// the old one, in MiB.
const PROBE = `
import { getHeapSpaceStatistics } from 'node:v8';
const tune = process.argv.at(-1) === 'tuned';
if (tune) (await import(${JSON.stringify(HEAP_MODULE)})).limitHeapGrowth();
const live = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x'.repeat(100) + i }));
const peak = { young: 0, old: 0 };
const inFlight = [];
for (let round = 0; round < 3000; round += 1) {
  inFlight.push(Array.from({ length: 2000 }, (_, i) => ({ round, i, s: 'y'.repeat(50) + i })));
  if (inFlight.length > 8) inFlight.shift();
  if (round % 10 === 0) {
    for (const space of getHeapSpaceStatistics()) {
      if (space.space_name === 'new_space') peak.young = Math.max(peak.young, space.space_size);
      if (space.space_name === 'old_space') peak.old = Math.max(peak.old, space.space_size);
    }
  }
}
console.log(JSON.stringify({ young: peak.young / 2 ** 20, old: peak.old / 2 ** 20, live: live.length }));
`;

function peakHeapMiB(mode: 'tuned' | 'default'): { young: number; old: number } {
  // Started as `npm start` starts the gateway: the young generation's size can only be set there.
  const run = spawnSync(process.execPath, [...START_FLAGS, '--import', 'tsx', '--input-type=module', '-e', PROBE, mode], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { young: number; old: number };
}

describe('heap growth', () => {
  // Measured on this probe (MiB, young / old). Node 20 and 24 alike: 32 / 64-142 with the start flags
  // and the factor. Left to V8, the old generation reaches about 300 in most runs (V8 picks its factor
  // from how fast collection is, so now and then it also stops at about 64); and on Node 24 without
  // the start flags the young generation is 128, whether the factor is set or not.
  it('keeps the heap of a garbage-making process near what is live', () => {
    const { young, old } = peakHeapMiB('tuned');
    // Two semi-spaces and pages of V8's own: Node 24 on a loaded machine has reached 41, where
    // unbounded it is 128; half of that still tells the two apart.
    expect(young).toBeLessThan(4 * MAX_SEMI_SPACE_MB);
    expect(old).toBeGreaterThan(30);
    expect(old).toBeLessThan(200);
  }, 60_000);

  it('is started by npm start with the flags that cannot be set at run time', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`node ${START_FLAGS.join(' ')} dist/main.js`);
  });

  it('leaves a factor given on the command line alone', () => {
    expect(limitHeapGrowth(['--heap-growing-percent=200'])).toBe(false);
    expect(limitHeapGrowth(['--heap-growing-percent', '200'])).toBe(false);
  });
});
