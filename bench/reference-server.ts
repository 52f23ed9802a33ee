/**
 * Yardsticks measured in the same run as the gateway, so its ratio to direct can be read against what
 * the machine allows: each takes the gateway's own IdentityNow patch request (bench/workload.ts) and
 * sends the same PATCH to the stub upstream.
 * - `minimal-yoga`: graphql-yoga as shipped, with a hand-written schema and one resolver: no auth,
 *   limits, checks, error mapping or logging.
 * - `minimal-yoga-unlimited`: the same with yoga's request body size limit turned off, its cheapest
 *   setting (graphql-yoga 5.24's limit pipes every body through a TransformStream).
 * - `node-proxy`: node:http and undici, no GraphQL at all: the floor for any gateway in Node.
 * Run as its own process with the stub's origin in argv[3]; prints `{"port":N}` once it listens.
 * With BENCH_YOGA_DIR set, the yoga servers use the graphql-yoga installed there (bench/yoga-versions.ts)
 * instead of the project's own, so versions can be compared in one run.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type * as GraphQLYoga from 'graphql-yoga';
import { Pool } from 'undici';
import { IDENTITYNOW_ROOT, UPSTREAM_TOKEN } from './workload.js';

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

const mode = process.argv[2];
if (mode !== 'minimal-yoga' && mode !== 'minimal-yoga-unlimited' && mode !== 'node-proxy')
  throw new Error(`unknown reference server ${mode}`);
const yogaDir = process.env.BENCH_YOGA_DIR;
// Another version's own copy (with its own graphql and whatwg-node), so nothing of the project's is mixed in.
const { createSchema, createYoga } = (
  yogaDir ? createRequire(join(yogaDir, 'package.json'))('graphql-yoga') : await import('graphql-yoga')
) as typeof GraphQLYoga;
const upstream = new Pool(process.argv[3] ?? '', { connections: 32 });

async function patchClient(id: string, ops: PatchOp[]): Promise<unknown> {
  const res = await upstream.request({
    method: 'PATCH',
    path: `${IDENTITYNOW_ROOT}/oauth-clients/${encodeURIComponent(id)}`,
    headers: { authorization: `Bearer ${UPSTREAM_TOKEN}`, 'content-type': 'application/json-patch+json', accept: 'application/json' },
    body: JSON.stringify(ops.map((o) => ({ ...o, op: o.op.toLowerCase() }))),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  return res.body.json();
}

function minimalYoga(sizeLimit: boolean) {
  return createYoga({
    ...(sizeLimit ? {} : { maxRequestBodySize: false }),
    logging: false,
    graphiql: false,
    landingPage: false,
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        scalar JSON
        enum JsonPatchOp {
          ADD
          REMOVE
          REPLACE
          MOVE
          COPY
          TEST
        }
        input JsonPatchOperation {
          op: JsonPatchOp!
          path: String!
          value: JSON
          from: String
        }
        type IdentityNowOAuthClient {
          id: ID!
          name: String
          description: String
          enabled: Boolean
          redirectUris: [String!]
          grantTypes: [String!]
          modified: String
        }
        type Query {
          ok: Boolean
        }
        type Mutation {
          patchOAuthClient(id: ID!, ops: [JsonPatchOperation!]!): IdentityNowOAuthClient
        }
      `,
      resolvers: { Mutation: { patchOAuthClient: (_: unknown, args: { id: string; ops: PatchOp[] }) => patchClient(args.id, args.ops) } },
    }),
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const yoga = mode === 'node-proxy' ? undefined : minimalYoga(mode === 'minimal-yoga');
const server = yoga
  ? createServer((req, res) => void yoga(req, res))
  : createServer((req, res) => {
      readBody(req)
        .then((text) => {
          const { variables } = JSON.parse(text) as { variables: { id: string; ops: PatchOp[] } };
          return patchClient(variables.id, variables.ops);
        })
        .then((client) => {
          const body = JSON.stringify({ data: { patchOAuthClient: client } });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
        });
    });

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
