/**
 * The settings `oauth-gateway --help` lists, read from the README's tables of variables: the one
 * place that describes them (test/unit/settings-help.test.ts checks that it names every variable
 * config.ts reads, and no other). A row is a setting when its first cell names variables in
 * backticks (`PORT`, `HOST`); its other cells are the meaning and the default.
 */
export interface Setting {
  names: string[];
  meaning: string;
  default?: string;
  /** The README section it is listed in. */
  section: string;
}

const VARIABLE = /`([A-Z][A-Z0-9_]*)`/g;

export function readmeSettings(readme: string): Setting[] {
  const settings: Setting[] = [];
  // A variable the README describes twice (once in the overview, once in its own section) is listed where it comes first.
  const listed = new Set<string>();
  let section = '';
  for (const line of readme.split('\n')) {
    const heading = /^#{2,4} (.+)$/.exec(line);
    if (heading) {
      section = plain(heading[1]!);
      continue;
    }
    const row = line.trim();
    if (!row.startsWith('|')) continue;
    const cells = row
      .slice(1, row.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    const first = cells[0] ?? '';
    // Every name in the cell, and nothing but names and separators (not `GATEWAY_*`, not a header row).
    const all = [...first.matchAll(VARIABLE)].map((match) => match[1]!);
    if (all.length === 0 || first.replace(VARIABLE, '').replace(/[\s,]|or|and/g, '') !== '') continue;
    const names = all.filter((name) => !listed.has(name));
    if (names.length === 0) continue;
    for (const name of names) listed.add(name);
    const meaning = plain(cells[1] ?? '');
    const fallback = plain(cells[2] ?? '');
    settings.push({ names, meaning, ...(fallback !== '' && fallback !== '—' ? { default: fallback } : {}), section });
  }
  return settings;
}

/** The help text: usage, then each setting under its README section. */
export function settingsHelp(readme: string): string {
  const lines = [
    'oauth-gateway: one typed GraphQL API over OAuth-management REST APIs',
    '',
    'Usage: oauth-gateway [--help | --version]',
    '',
    'Without arguments it starts the gateway (as `node dist/main.js` does). It is configured by the',
    'environment variables below, all optional; with none set it serves the sandbox on 127.0.0.1:4000.',
    'NODE_ENV=production turns GraphiQL and introspection off.',
  ];
  let section: string | undefined;
  for (const setting of readmeSettings(readme)) {
    if (setting.section !== section) {
      section = setting.section;
      lines.push('', `${section}:`);
    }
    lines.push(`  ${setting.names.join(', ')}`, ...wrap(setting.meaning, 6));
    if (setting.default !== undefined) lines.push(...wrap(`default: ${setting.default}`, 6));
  }
  return `${lines.join('\n')}\n`;
}

/** Markdown inline markup taken out: code spans, links, emphasis, escaped pipes. */
function plain(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .replace(/\\\|/g, '|')
    .replace(/<([^>]*)>/g, '$1')
    .trim();
}

function wrap(text: string, indent: number, width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current !== '' && indent + current.length + 1 + word.length > width) {
      lines.push(' '.repeat(indent) + current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') lines.push(' '.repeat(indent) + current);
  return lines;
}
