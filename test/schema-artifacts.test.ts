import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';

// schema/ and the typed test documents are generated from the code (`npm run codegen`) and
// committed. This runs the same codegen config in memory: a schema or operation changed without
// regenerating fails here, naming the file.

describe('generated artifacts', () => {
  it('match what `npm run codegen` generates from the code now', async () => {
    const outputs = (await generate({ ...config, silent: true }, false)) as Types.FileOutput[];
    expect(outputs.map((o) => o.filename).sort()).toEqual(Object.keys(config.generates).sort());
    for (const { filename, content } of outputs) {
      expect(readFileSync(filename, 'utf8'), `${filename} is out of date: run npm run codegen`).toBe(content);
    }
  });
});
