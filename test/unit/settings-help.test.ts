import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { VENDORS } from '../../src/services/index.js';
import { readmeSettings, settingsHelp } from '../../src/settings-help.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/**
 * Every variable loadConfig reads: with nothing set, with every vendor configured (so that its
 * credential variables are read), and with client credentials (so that the token URL is).
 */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  const urls = new Set(VENDORS.map((vendor) => `${vendor.envPrefix}_URL`));
  const recording = (value: (name: string) => string | undefined) =>
    new Proxy({} as Record<string, string | undefined>, {
      get(_target, name) {
        if (typeof name !== 'string') return undefined;
        read.add(name);
        return value(name);
      },
    });
  const url = (name: string) => (urls.has(name) ? 'https://api.example.com/root' : undefined);
  loadConfig(recording(() => undefined));
  loadConfig(recording(url));
  // A PostgreSQL server for the audit trail: its pool settings are read.
  loadConfig(recording((name) => url(name) ?? (name === 'GATEWAY_DATABASE_URL' ? 'postgres://gateway@127.0.0.1:5432/audit' : undefined)));
  // Client credentials hold a secret: caller authentication must be on for them to be accepted.
  loadConfig(
    recording(
      (name) =>
        url(name) ?? (/_CLIENT_(ID|SECRET)$/.test(name) ? 'client-credential' : name === 'GATEWAY_ALLOW_ANONYMOUS' ? 'true' : undefined),
    ),
  );
  return read;
}

describe('oauth-gateway --help', () => {
  const documented = readmeSettings(README).flatMap((setting) => setting.names);

  it('lists every variable config.ts reads', () => {
    const missing = [...variablesRead()].filter((name) => !documented.includes(name));
    expect(missing, 'variables read by loadConfig but missing from the README tables').toEqual([]);
  });

  it('lists no variable config.ts does not read', () => {
    const read = variablesRead();
    expect(documented.filter((name) => !read.has(name))).toEqual([]);
  });

  it('lists each variable once, with its meaning and default, under its README section', () => {
    expect(new Set(documented).size).toBe(documented.length);
    expect(readmeSettings(README).find((s) => s.names.includes('GATEWAY_MAX_CONNECTIONS'))?.section).toBe('Configuration');
    const help = settingsHelp(README);
    expect(help).toContain('Usage: oauth-gateway [--help | --version]');
    expect(help).toMatch(/\n {2}PORT, HOST\n {6}where the HTTP server listens\n {6}default: 4000, 127\.0\.0\.1\n/);
    expect(help).toContain('\nOperation limits:\n');
    for (const name of documented) expect(help).toContain(name);
  });
});
