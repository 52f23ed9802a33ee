import { builder } from '../../builder.js';
import { applicationList } from '../../inventory/application.js';
import { wholeListPage } from '../../pagination.js';
import { IdentityNowOAuthClient, listClients } from './oauth-client.js';

/**
 * IdentityNow's clients in the inventory, and as a page. listOauthClients declares no paging (only
 * `filters`), and answers every client in one call: one call reads them all.
 */
export const identityNowClients = applicationList({
  type: IdentityNowOAuthClient,
  what: 'IdentityNow OAuth clients',
  redirectsRead: 'its redirect URIs',
  operation: 'listOauthClients',
  readAll: (ctx) => listClients(ctx, undefined),
  redirects: (client) => (client.redirectUris ?? []).map((url) => ({ kind: 'url', url })),
});

const IdentityNowOAuthClientPage = wholeListPage(
  'IdentityNowOAuthClientPage',
  IdentityNowOAuthClient,
  "IdentityNow's OAuth clients, all of them: listOauthClients declares no paging and answers every client at once.",
);

builder.queryField('oauthClientsPage', (t) =>
  t.field({
    type: IdentityNowOAuthClientPage,
    nullable: false,
    description:
      'IdentityNow OAuth clients (GET /oauth-clients) as a page: every client, so pageInfo.hasNextPage is always false; totalCount counts them.',
    args: {
      filters: t.arg.string({ description: 'IdentityNow filter expression; supported: lastUsed le, isnull.' }),
    },
    resolve: (_root, args, ctx) => listClients(ctx, args.filters ?? undefined),
  }),
);
