import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VENDORS } from '../../src/services/index.js';

// A vendor's knowledge lives in its folder: outside src/services/ and src/sandbox/, vendor names
// may stand in at most two files and five lines (the GraphiQL example), so adding a vendor is one
// new folder and one line in the registry.
const ROOT = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the vendor registry', () => {
  it('no file outside the vendor folders names a vendor, but for at most 2 files and 5 lines', () => {
    const names = new RegExp(`\\b(${VENDORS.map((v) => v.id).join('|')}|sailpoint)\\b`, 'i');
    const hits = files(ROOT)
      .map((path) => relative(ROOT, path))
      .filter((path) => !path.startsWith('services/') && !path.startsWith('sandbox/'))
      .flatMap((path) =>
        readFileSync(join(ROOT, path), 'utf8')
          .split('\n')
          .flatMap((line, i) => (names.test(line) ? [`${path}:${i + 1}`] : [])),
      );
    expect(new Set(hits.map((hit) => hit.split(':')[0])).size, hits.join('\n')).toBeLessThanOrEqual(2);
    expect(hits.length, hits.join('\n')).toBeLessThanOrEqual(5);
  });
});
