import { builder } from '../../builder.js';
import { applicationList } from '../../inventory/application.js';
import { wholeListPage } from '../../pagination.js';
import { LaunchDarklyOAuthClient, listClients } from './oauth-client.js';

/**
 * LaunchDarkly's clients in the inventory, and as a page. getOAuthClients takes no parameters and
 * its ClientCollection has no paging links: one call reads them all.
 */
export const launchDarklyClients = applicationList({
  type: LaunchDarklyOAuthClient,
  what: 'LaunchDarkly OAuth clients',
  redirectsRead: 'its redirect URI',
  operation: 'getOAuthClients',
  readAll: (ctx) => listClients(ctx),
  redirects: (client) => (client.redirectUri === null ? [] : [{ kind: 'url', url: client.redirectUri }]),
});

const LaunchDarklyOAuthClientPage = wholeListPage(
  'LaunchDarklyOAuthClientPage',
  LaunchDarklyOAuthClient,
  "The LaunchDarkly account's OAuth clients, all of them: getOAuthClients declares no paging and answers every client at once.",
);

builder.queryField('launchDarklyOAuthClientsPage', (t) =>
  t.field({
    type: LaunchDarklyOAuthClientPage,
    nullable: false,
    description:
      'LaunchDarkly OAuth clients (GET /api/v2/oauth/clients) as a page: every client, so pageInfo.hasNextPage is always false; totalCount counts them.',
    resolve: (_root, _args, ctx) => listClients(ctx),
  }),
);
