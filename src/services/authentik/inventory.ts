import { builder } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { applicationList, type ApplicationList } from '../../inventory/application.js';
import type { Redirect } from '../../inventory/redirects.js';
import { asObject } from '../../upstream-values.js';
import { expectShape } from '../../upstream/response.js';
import { list, type Resource } from './client.js';
import { listArgs, listParams } from './list-args.js';
import { AuthentikOAuthSource, SOURCES, toOAuthSource, type AuthentikOAuthSourceShape } from './oauth-source.js';
import { AuthentikOAuth2Provider, PROVIDERS, toOAuth2Provider, type AuthentikOAuth2ProviderShape } from './oauth2-provider.js';
import { authentikPageType, pageOf, readWholeList, type AuthentikPageShape } from './pagination.js';

/**
 * authentik's providers and sources in the inventory, and their lists as pages. A whole list is read
 * page by page to its last (`page`/`page_size`, authentik's `pagination` block), one call a page.
 */

const provider = (value: unknown, operation: string): AuthentikOAuth2ProviderShape =>
  expectShape(value, (v) => toOAuth2Provider(v, operation), 'authentik', operation, 'an OAuth2 provider');
const source = (value: unknown, operation: string): AuthentikOAuthSourceShape =>
  expectShape(value, toOAuthSource, 'authentik', operation, 'an OAuth source');
const pk = (item: unknown) => {
  const key = asObject(item)?.pk;
  return typeof key === 'number' || typeof key === 'string' ? String(key) : undefined;
};

/**
 * A provider's redirects. Releases that keep them as one string (before the fix of CVE-2024-52289)
 * match every whitespace-separated entry as a regular expression, so each is a pattern there,
 * whatever redirectUriRules read. None at all: authentik saves the first redirect URI it is sent
 * (on a string release unescaped, the CVE), so the provider may redirect anywhere.
 */
function providerRedirects(node: AuthentikOAuth2ProviderShape): Redirect[] | undefined {
  if (node.redirectUrisString) {
    const entries = (node.redirectUris ?? '').split(/\s+/).filter((entry) => entry !== '');
    return entries.length === 0 ? [{ kind: 'firstUse' }] : entries.map((pattern) => ({ kind: 'pattern', pattern }));
  }
  const rules = node.redirectUriRules;
  if (!rules) return undefined;
  if (rules.length === 0) return [{ kind: 'firstUse' }];
  return rules.map((rule) => (rule.matchingMode === 'regex' ? { kind: 'pattern', pattern: rule.url } : { kind: 'url', url: rule.url }));
}

/**
 * A source's one redirect: its callback URL, which authentik answers relative to itself
 * (/source/oauth/callback/<slug>/), made absolute with the origin of the configured API root.
 */
function sourceRedirects(node: AuthentikOAuthSourceShape, ctx: Context): Redirect[] {
  if (node.callbackUrl === null) return [];
  const origin = ctx.upstreams.authentik?.origin;
  let url = node.callbackUrl;
  try {
    url = new URL(node.callbackUrl, origin).href;
  } catch {
    // Without an origin (or with a callback that is no URL), the callback as authentik has it.
  }
  return [{ kind: 'url', url }];
}

export const authentikProviders: ApplicationList<AuthentikOAuth2ProviderShape> = applicationList({
  type: AuthentikOAuth2Provider,
  what: 'authentik OAuth2 providers',
  redirectsRead:
    "its redirect URI rules' URLs (a REGEX rule's regular expression as it is; before authentik's fix of CVE-2024-52289 every " +
    'whitespace-separated entry, each a regular expression there); when it has none, authentik saves the first one it is sent',
  operation: PROVIDERS.list,
  readAll: async (ctx, maxPages) =>
    (await readWholeList(ctx, PROVIDERS, 'OAuth2 providers', maxPages, pk)).map((item) => provider(item, PROVIDERS.list)),
  redirects: providerRedirects,
});

export const authentikSources: ApplicationList<AuthentikOAuthSourceShape> = applicationList({
  type: AuthentikOAuthSource,
  what: 'authentik OAuth sources',
  redirectsRead: "its callback URL, made absolute with the origin of the gateway's authentik API root",
  operation: SOURCES.list,
  readAll: async (ctx, maxPages) =>
    (await readWholeList(ctx, SOURCES, 'OAuth sources', maxPages, pk)).map((item) => source(item, SOURCES.list)),
  redirects: sourceRedirects,
});

// ---- the lists as pages ----

const AuthentikOAuth2ProviderPage = authentikPageType('AuthentikOAuth2ProviderPage', AuthentikOAuth2Provider, 'authentik OAuth2 providers');
const AuthentikOAuthSourcePage = authentikPageType('AuthentikOAuthSourcePage', AuthentikOAuthSource, 'authentik OAuth sources');

async function pageOfList<T>(
  ctx: Context,
  resource: Resource,
  args: Parameters<typeof listParams>[0],
  read: (value: unknown, operation: string) => T,
): Promise<AuthentikPageShape<T>> {
  const page = pageOf(await list(upstreamOf(ctx, 'authentik', resource.list), resource, listParams(args)), resource.list);
  return { nodes: page.results.map((item) => read(item, resource.list)), page };
}

builder.queryFields((t) => ({
  oauth2ProvidersPage: t.field({
    type: AuthentikOAuth2ProviderPage,
    nullable: false,
    description:
      'One page of authentik OAuth2 providers (GET /providers/oauth2/), with where it is in the list: pass pageInfo.nextPage as page for the next one. Without page, the first; without pageSize, the size authentik gives.',
    args: listArgs(t.arg),
    resolve: (_root, args, ctx) => pageOfList(ctx, PROVIDERS, args, provider),
  }),
  oauthSourcesPage: t.field({
    type: AuthentikOAuthSourcePage,
    nullable: false,
    description:
      'One page of authentik OAuth sources (GET /sources/oauth/), with where it is in the list: pass pageInfo.nextPage as page for the next one. Without page, the first; without pageSize, the size authentik gives.',
    args: listArgs(t.arg),
    resolve: (_root, args, ctx) => pageOfList(ctx, SOURCES, args, source),
  }),
}));
