import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useApolloFederation } from '@envelop/apollo-federation';
import { ApolloGateway } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<{ server: Server; url: string }> {
  // yoga answers every request itself: its promise never rejects.
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface TeamRow {
  id: string;
  name: string;
  oauthClientId: string | null;
  loginSourceSlug: string | null;
}

/** The teams subgraph (test/fixtures/teams-subgraph.graphql), served like any other team's subgraph. */
export async function startTeamsSubgraph(sdl: string, teams: TeamRow[]): Promise<Listening> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: {
      Query: {
        teams: () =>
          teams.map((team) => ({
            id: team.id,
            name: team.name,
            oauthClient: team.oauthClientId === null ? null : { id: team.oauthClientId },
            loginSource: team.loginSourceSlug === null ? null : { slug: team.loginSourceSlug },
          })),
      },
    },
  });
  const yoga = createYoga({ schema, graphiql: false, logging: false });
  const { server, url } = await listen(yoga);
  return { url, close: () => shut(server) };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A real Apollo Federation gateway (@apollo/gateway: query planning, HTTP calls to each subgraph)
 * on the supergraph SDL, served over HTTP by graphql-yoga.
 */
export async function startFederationGateway(supergraphSdl: string): Promise<Listening> {
  const gateway = new ApolloGateway({ supergraphSdl, logger: quiet });
  await gateway.load();
  const yoga = createYoga({
    plugins: [useApolloFederation({ gateway, logger: quiet })],
    // Subgraph errors arrive as JSON, not as Error objects, so yoga's masking would hide every one
    // of them; like Apollo Server in front of @apollo/gateway, pass them on as the subgraph sent them.
    maskedErrors: false,
    graphiql: false,
    logging: false,
  });
  const { server, url } = await listen(yoga);
  return {
    url,
    async close() {
      await shut(server);
      await gateway.stop();
    },
  };
}
