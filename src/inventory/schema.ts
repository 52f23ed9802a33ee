import { responsePathAsArray } from 'graphql';
import { builder } from '../builder.js';
import { UpstreamService } from '../changes/schema.js';
import type { Context } from '../context.js';
import { badUserInput, gatewayError, locatedAt, type FieldError } from '../errors.js';
import { decodeCursor, encodeCursor, PageInfo, pageOf, pageSize, type PageInfoShape } from '../pagination.js';
import { reportBeside } from '../plugins/partial-results.js';
import type { ServiceId } from '../services/index.js';
import { OAuthApplication, type ApplicationNode } from './application.js';
import { after, listOfType, LISTS, matches, readInventory, typenameOf, type Filter } from './inventory.js';
import { hostQuery, shown, urlQuery } from './redirects.js';

/** The OAuthApplication interface and the oauthApplications query: one inventory across vendors. */

function listFor(typename: string) {
  const listed = listOfType(typename);
  if (!listed) throw new Error(`${typename} implements OAuthApplication without a list in its vendor's definition`);
  return listed;
}

OAuthApplication.implement({
  description: `An OAuth application of any vendor, one of: ${LISTS.map(({ list }) => list.what).join(', ')}.`,
  resolveType: (node) => typenameOf(node),
  fields: (t) => ({
    // Each type answers its own id, name and version; these stand for them in the interface.
    id: t.id({ nullable: false, resolve: (node) => node.id ?? '' }),
    service: t.field({
      type: UpstreamService,
      nullable: false,
      description: 'The vendor that keeps it.',
      resolve: (_node, _args, _ctx, info) => listFor(info.parentType.name).service,
    }),
    name: t.exposeString('name'),
    redirectUrls: t.stringList({
      nullable: false,
      description: `Every redirect URL it accepts, as the vendor keeps them. ${LISTS.map(({ list }) => `${list.what}: ${list.redirectsRead}`).join('. ')}.`,
      resolve: (node, _args, ctx, info) => {
        const listed = listFor(info.parentType.name);
        const redirects = listed.list.redirects(node, ctx);
        if (!redirects) {
          throw gatewayError(
            'UPSTREAM_ERROR',
            `${listed.service} answered one of its ${listed.list.what} without redirect URIs the gateway can read.`,
            {
              upstream: { service: listed.service, operation: listed.list.operation },
            },
          );
        }
        return redirects.flatMap((redirect) => shown(redirect) ?? []);
      },
    }),
    version: t.exposeString('version', { nullable: false }),
  }),
});

const OAuthApplicationFilter = builder.inputType('OAuthApplicationFilter', {
  description: 'Only the applications that match every field given.',
  fields: (t) => ({
    services: t.field({
      type: [UpstreamService],
      description: 'Of these vendors only; each is read even when not configured (then an UPSTREAM_NOT_CONFIGURED error says so).',
    }),
    nameContains: t.string({ description: 'Whose name contains this text, ignoring case.' }),
    redirectUrl: t.string({
      description:
        "That accept this redirect URL: equal to one of theirs once both are normalised (WHATWG URL: scheme and host in lower case, IDNs in punycode, default port and host's trailing dot left out), or matched by one of their regular expressions.",
    }),
    redirectHost: t.string({
      description:
        'That can redirect to this host: "app.example.com" (on any port), "app.example.com:8443" (on that port only; a URL that names no port is on its scheme\'s default, 443 for https), or "*.example.com" (every host under example.com, at any depth, not example.com itself). Case, IDNs (Unicode or punycode) and a trailing dot do not matter. A regular expression matches when some URL it accepts can have that host (one that lets ".*" or "[^/]+" run across the host can have any host); an application without any redirect URI set matches every host when its vendor saves the first one it is sent.',
    }),
  }),
});

interface ConnectionShape {
  nodes: ApplicationNode[];
  pageInfo: PageInfoShape;
  totalCount: number;
  services: ServiceId[];
}

const OAuthApplicationConnection = builder.objectRef<ConnectionShape>('OAuthApplicationConnection').implement({
  description: 'A page of the inventory, in a stable order: by service, then type, then id.',
  fields: (t) => ({
    nodes: t.field({ type: [OAuthApplication], nullable: false, resolve: (page) => page.nodes }),
    pageInfo: t.expose('pageInfo', { type: PageInfo, nullable: false }),
    totalCount: t.exposeInt('totalCount', { nullable: false, description: 'Applications that match the filter, on every page.' }),
    services: t.field({
      type: [UpstreamService],
      nullable: false,
      description:
        'The services this inventory holds in full: each read to its end. A service that failed is not here, and has an error in errors[]; one not configured (and not asked for by filter.services) is not read at all.',
      resolve: (page) => page.services,
    }),
  }),
});

export const INVENTORY_PAGE = { default: 100, max: 500 };
const CONNECTION = 'oauthApplications';

interface FilterInput {
  services?: ServiceId[] | null;
  nameContains?: string | null;
  redirectUrl?: string | null;
  redirectHost?: string | null;
}

function readFilter(input: FilterInput | null | undefined): Filter {
  const filter: Filter = {};
  const problems: FieldError[] = [];
  if (input?.nameContains != null) filter.nameContains = input.nameContains;
  if (input?.redirectUrl != null) {
    const query = urlQuery(input.redirectUrl);
    if (typeof query === 'string') problems.push({ field: 'filter.redirectUrl', messages: [query] });
    else filter.redirectUrl = query;
  }
  if (input?.redirectHost != null) {
    const query = hostQuery(input.redirectHost);
    if (typeof query === 'string') problems.push({ field: 'filter.redirectHost', messages: [query] });
    else filter.redirectHost = query;
  }
  if (problems.length > 0) throw badUserInput(problems);
  return filter;
}

/** A cursor's position: the type name and id of the last application of a page. */
function position(typename: string, id: string): string {
  return `${typename}:${id}`;
}

function readPosition(text: string): { typename: string; id: string } | undefined {
  const colon = text.indexOf(':');
  const typename = text.slice(0, colon);
  const id = text.slice(colon + 1);
  return colon > 0 && id !== '' && listOfType(typename) ? { typename, id } : undefined;
}

builder.queryField('oauthApplications', (t) =>
  t.field({
    type: OAuthApplicationConnection,
    nullable: false,
    description:
      `Every OAuth application of every configured vendor (or of filter.services), each vendor's list followed to its end, filtered, in pages. first: at most ${INVENTORY_PAGE.max}, ${INVENTORY_PAGE.default} by default. ` +
      "A vendor that cannot be read adds an error (extensions.upstream.service names it) beside the others' applications.",
    args: {
      filter: t.arg({ type: OAuthApplicationFilter }),
      first: t.arg.int(),
      after: t.arg.string({ description: 'The endCursor of the page before.' }),
    },
    resolve: async (_root, args, ctx: Context, info) => {
      const filter = readFilter(args.filter as FilterInput | null | undefined);
      const first = pageSize(args.first, INVENTORY_PAGE);
      const start =
        args.after != null ? readPosition(decodeCursor(CONNECTION, args.after, (p) => readPosition(p) !== undefined)) : undefined;
      const services = (args.filter?.services as ServiceId[] | null | undefined) ?? configured(ctx);

      const inventory = await readInventory(ctx, services);
      const path = responsePathAsArray(info.path);
      const [firstError, ...otherErrors] = inventory.errors;
      if (firstError && inventory.listsRead === 0) {
        // Nothing could be read: the field fails, and every other failure is beside it.
        for (const error of otherErrors) reportBeside(ctx, locatedAt(error, path));
        throw firstError;
      }
      for (const error of inventory.errors) reportBeside(ctx, locatedAt(error, path));

      const matching = inventory.applications.filter((application) => matches(application, filter));
      const rest = start ? after(matching, start) : matching;
      const page = rest.slice(0, first);
      return {
        ...pageOf(
          page.map((application) => application.node),
          page.map((application) => encodeCursor(CONNECTION, position(application.typename, application.id))),
          rest.length > first,
        ),
        totalCount: matching.length,
        services: inventory.complete,
      };
    },
  }),
);

/** The services this gateway has an upstream for, in the registry's order. */
function configured(ctx: Context): ServiceId[] {
  return (Object.keys(ctx.upstreams) as ServiceId[]).filter((service) => ctx.upstreams[service] !== undefined);
}
