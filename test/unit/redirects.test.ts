import { describe, expect, it } from 'vitest';
import {
  acceptsUrl,
  hostQuery,
  normalUrl,
  redirectsToHost,
  urlQuery,
  type HostQuery,
  type Redirect,
} from '../../src/inventory/redirects.js';

const url = (value: string): Redirect => ({ kind: 'url', url: value });
const pattern = (value: string): Redirect => ({ kind: 'pattern', pattern: value });

function host(value: string): HostQuery {
  const query = hostQuery(value);
  if (typeof query === 'string') throw new Error(`${value}: ${query}`);
  return query;
}

// [redirect, redirectHost asked, whether it may redirect there]
const HOSTS: Array<[Redirect, string, boolean]> = [
  // A URL: its host as the WHATWG parser reads it, in any case, IDN form or trailing dot.
  [url('https://App.Example.com/cb'), 'app.example.com', true],
  [url('https://app.example.com/cb'), 'APP.EXAMPLE.COM', true],
  [url('https://bücher.example/cb'), 'xn--bcher-kva.example', true],
  [url('https://xn--bcher-kva.example/cb'), 'BÜCHER.example', true],
  [url('https://example.com./cb'), 'example.com', true],
  [url('https://example.com/cb'), 'example.com.', true],
  [url('https://example.com/cb'), 'example.co', false],
  [url('https://app.example.com/cb'), 'example.com', false],
  // Ports: none asked is any; one asked is that one, a URL without one having its scheme's default.
  [url('https://app.example.com:8443/cb'), 'app.example.com', true],
  [url('https://app.example.com:8443/cb'), 'app.example.com:8443', true],
  [url('https://app.example.com/cb'), 'app.example.com:8443', false],
  [url('https://app.example.com/cb'), 'app.example.com:443', true],
  [url('http://app.example.com/cb'), 'app.example.com:443', false],
  [url('http://app.example.com/cb'), 'app.example.com:80', true],
  [url('http://[::1]:8080/cb'), '[::1]:8080', true],
  [url('http://127.0.0.1:8080/cb'), '127.0.0.1', true],
  // Subdomains only with *., at any depth, never the domain itself.
  [url('https://a.example.com/cb'), '*.example.com', true],
  [url('https://a.b.example.com/cb'), '*.example.com', true],
  [url('https://example.com/cb'), '*.example.com', false],
  [url('https://badexample.com/cb'), '*.example.com', false],
  [url('https://a.example.com:8443/cb'), '*.example.com:8443', true],
  [url('https://a.example.com/cb'), '*.example.com:8443', false],
  // Not a URL, or a URL with no host: no host to redirect to.
  [url('not a url'), 'not', false],
  [url('com.example.app:/oauth2redirect'), 'com.example.app', false],
  // A regular expression: by the hosts some URL it accepts can have.
  [pattern('https://app\\.example\\.com/cb'), 'app.example.com', true],
  [pattern('https://app\\.example\\.com/cb'), 'example.com', false],
  [pattern('^https://APP\\.example\\.com/.*$'), 'app.example.com', true],
  [pattern('https://[a-z0-9-]+\\.grafana\\.example\\.com/cb'), 'x.grafana.example.com', true],
  [pattern('https://[a-z0-9-]+\\.grafana\\.example\\.com/cb'), 'evil.test', false],
  [pattern('https://[a-z0-9-]+\\.grafana\\.example\\.com/cb'), '*.example.com', true],
  [pattern('https://[a-z0-9-]+\\.grafana\\.example\\.com/cb'), '*.other.com', false],
  [pattern('https://(a|b)\\.example\\.com/cb'), 'b.example.com', true],
  [pattern('https://(?:a|b)\\.example\\.com/cb'), 'c.example.com', false],
  [pattern('(?P<scheme>https)://app\\.example\\.com/cb'), 'app.example.com', true],
  [pattern('https://a\\.example\\.com/cb|https://b\\.example\\.com/cb'), 'b.example.com', true],
  [pattern('https://a\\.example\\.com/cb|https://b\\.example\\.com/cb'), 'c.example.com', false],
  [pattern('^https://bücher\\.example/.*$'), 'xn--bcher-kva.example', true],
  [pattern('https://app\\.example\\.com(:\\d+)?/cb'), 'app.example.com', true],
  [pattern('https://app\\.example\\.com(:\\d+)?/cb'), 'app.example.com:9000', true],
  [pattern('https://app\\.example\\.com:\\d+/cb'), 'app.example.com', true],
  [pattern('https://app\\.example\\.com:8443/cb'), 'app.example.com:8443', true],
  [pattern('https://app\\.example\\.com:8443/cb'), 'app.example.com:9443', false],
  // What can end the host early or move it after an "@" more than once: any host.
  [pattern('https://.*\\.example\\.com/cb'), 'evil.test', true],
  [pattern('https://[^/]+/cb'), 'evil.test', true],
  [pattern('https://\\S+\\.example\\.com/cb'), 'evil.test', true],
  [pattern('.*'), 'evil.test', true],
  [pattern('.*://app\\.example\\.com/cb'), 'evil.test', true],
  [pattern('https://(.*)\\.example\\.com/cb'), 'evil.test', true],
  [pattern('https://app\\.example\\.com\\1/cb'), 'evil.test', true],
  // One character that may be such a delimiter: each of its roles.
  [pattern('https://app.example.com/cb'), 'app.example.com', true],
  [pattern('https://app.example.com/cb'), 'app-example.com', true],
  [pattern('https://app.example.com/cb'), 'example.com', true],
  [pattern('https://app.example.com/cb'), 'app.example', true],
  [pattern('https://app.example.com/cb'), 'other.com', false],
  [pattern('https://app\\.example\\.com/?evil/cb'), 'app.example.comevil', true],
  // What this reader does not know counts as any host.
  [pattern('https://(?x) app\\.example\\.com'), 'evil.test', true],
  [pattern('https://app\\.example\\.com/(unclosed'), 'evil.test', true],
  [pattern('*'), 'evil.test', true],
  // None set: the vendor saves the first redirect it is sent.
  [{ kind: 'firstUse' }, 'evil.test', true],
];

describe('redirectsToHost', () => {
  it.each(HOSTS)('%j to %s: %s', (redirect, asked, expected) => {
    expect(redirectsToHost(redirect, host(asked))).toBe(expected);
  });
});

// [redirect, redirectUrl asked, whether it accepts it]
const URLS: Array<[Redirect, string, boolean]> = [
  [url('https://app.example.com/cb'), 'https://APP.example.com:443/cb', true],
  [url('https://bücher.example/cb'), 'https://xn--bcher-kva.example/cb', true],
  [url('https://example.com./cb'), 'https://example.com/cb', true],
  [url('https://app.example.com/cb'), 'https://app.example.com/cb/', false],
  [url('https://app.example.com/cb'), 'http://app.example.com/cb', false],
  [url('https://app.example.com/cb?x=1'), 'https://app.example.com/cb?x=1', true],
  [pattern('https://.*\\.example\\.com/cb'), 'https://a.example.com/cb', true],
  [pattern('https://.*\\.example\\.com/cb'), 'https://a.example.com/cb2', false],
  [pattern('https://app\\.example\\.com/cb'), 'https://APP.example.com/cb', true],
  [pattern('(?i)https://APP\\.example\\.com/cb'), 'https://app.example.com/cb', true],
  [pattern('https://(unclosed'), 'https://anything.test/', true],
  [{ kind: 'firstUse' }, 'https://anything.test/', true],
];

describe('acceptsUrl', () => {
  it.each(URLS)('%j accepts %s: %s', (redirect, asked, expected) => {
    const query = urlQuery(asked);
    if (typeof query === 'string') throw new Error(query);
    expect(acceptsUrl(redirect, query)).toBe(expected);
  });
});

describe('the questions asked', () => {
  it.each([
    'https://example.com/',
    'example.com/cb',
    'user@example.com',
    'example.com:99999',
    'example.com:0',
    '*.127.0.0.1',
    '',
    'a b',
    '*.',
  ])('refuses %j as a redirectHost', (value) => {
    expect(typeof hostQuery(value)).toBe('string');
  });

  it.each(['/callback', 'callback', ''])('refuses %j as a redirectUrl', (value) => {
    expect(typeof urlQuery(value)).toBe('string');
  });

  it('normalises a URL as the WHATWG parser serialises it, without the host’s trailing dot', () => {
    expect(normalUrl('HTTPS://Bücher.Example.:443/a/../cb')).toBe('https://xn--bcher-kva.example/cb');
    expect(normalUrl('nope')).toBeUndefined();
  });
});
