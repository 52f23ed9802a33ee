#!/usr/bin/env node
// The `oauth-gateway` command (package.json bin): --help lists every setting, --version says which
// release this is; with no argument it starts the gateway, exactly as `node dist/main.js` does.
import { readFileSync } from 'node:fs';
import { settingsHelp } from './settings-help.js';

const root = new URL('../', import.meta.url);
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(settingsHelp(readFileSync(new URL('README.md', root), 'utf8')));
} else if (args.includes('--version')) {
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
  process.stdout.write(`${version}\n`);
} else if (args.length > 0) {
  process.stderr.write(
    `oauth-gateway: unknown argument ${JSON.stringify(args[0])}; it takes --help or --version, and is configured by environment variables\n`,
  );
  process.exitCode = 2;
} else {
  await import('./main.js');
}
