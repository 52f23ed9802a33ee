import { GraphQLError } from 'graphql';
import type { Context } from '../context.js';
import { gatewayError, rewritten } from '../errors.js';
import { log } from '../log.js';
import { VENDORS, type ServiceId } from '../services/index.js';
import type { ApplicationList, ApplicationNode } from './application.js';
import { acceptsUrl, redirectsToHost, type HostQuery, type Redirect, type UrlQuery } from './redirects.js';

/**
 * One inventory of OAuth applications across vendors: every configured vendor's lists read at once,
 * each to its end, merged in a stable order (service, type, id), filtered. A list that fails is an
 * error beside the others' applications.
 */

export interface Application {
  service: ServiceId;
  typename: string;
  id: string;
  name: string | null;
  redirects: Redirect[];
  node: ApplicationNode;
}

interface Listed {
  service: ServiceId;
  list: ApplicationList;
}

export const LISTS: readonly Listed[] = VENDORS.flatMap((vendor) => vendor.applications.map((list) => ({ service: vendor.id, list })));
const BY_TYPE = new Map(LISTS.map((listed) => [listed.list.type.name, listed]));

/** The service and list of an OAuthApplication type, by its name. */
export function listOfType(typename: string): Listed | undefined {
  return BY_TYPE.get(typename);
}

/** The type name of a node the inventory answered, for the interface's resolveType. */
const typenames = new WeakMap<object, string>();

export function typenameOf(node: object): string | undefined {
  return typenames.get(node);
}

export interface Inventory {
  /** Every application read, in order: service, type, id. */
  applications: Application[];
  /** One per list that could not be read (its upstream.service says whose). */
  errors: GraphQLError[];
  /** The services asked for whose every list was read to its end. */
  complete: ServiceId[];
  /** Lists read to their end, with applications or none. */
  listsRead: number;
}

type ListRead = { applications: Application[] } | { error: GraphQLError };

// One reading per GraphQL request: aliases of the inventory in one operation share it.
const readings = new WeakMap<Context, Map<ApplicationList, Promise<ListRead>>>();

/** The inventory of `services`, each list read at most once per request. */
export async function readInventory(ctx: Context, services: readonly ServiceId[]): Promise<Inventory> {
  const asked = LISTS.filter((listed) => services.includes(listed.service));
  const reads = await Promise.all(asked.map((listed) => readList(ctx, listed)));
  const applications: Application[] = [];
  const errors: GraphQLError[] = [];
  const failed = new Set<ServiceId>();
  reads.forEach((read, i) => {
    if ('error' in read) {
      errors.push(read.error);
      failed.add(asked[i]!.service);
    } else applications.push(...read.applications);
  });
  applications.sort(compareApplications);
  return {
    applications,
    errors,
    complete: services.filter((service) => !failed.has(service)),
    listsRead: reads.length - errors.length,
  };
}

function readList(ctx: Context, listed: Listed): Promise<ListRead> {
  let lists = readings.get(ctx);
  if (!lists) readings.set(ctx, (lists = new Map()));
  let read = lists.get(listed.list);
  if (!read) {
    read = readWhole(ctx, listed).then(
      (applications) => ({ applications }),
      (error: unknown) => ({ error: listError(error, listed) }),
    );
    lists.set(listed.list, read);
  }
  return read;
}

async function readWhole({ ...ctx }: Context, { service, list }: Listed): Promise<Application[]> {
  const max = ctx.limits.maxListPages;
  // This reading's own budget: its pages do not count against the operation's calls, nor against another list's.
  ctx.calls = ctx.trace.budget(
    { name: 'listPages', max },
    (call) => `Reading ${list.what} took its ${max} pages (GATEWAY_MAX_LIST_PAGES); ${call.operation} was not sent to ${call.service}.`,
  );
  const nodes = await list.readAll(ctx, max);
  const typename = list.type.name;
  return nodes.map((node) => {
    const redirects = list.redirects(node, ctx);
    if (node.id === null || node.id === '' || !redirects) {
      throw gatewayError(
        'UPSTREAM_ERROR',
        `${service} answered one of its ${list.what} without ${redirects ? 'its id' : 'redirect URIs the gateway can read'}.`,
        {
          upstream: { service, operation: list.operation },
        },
      );
    }
    typenames.set(node, typename);
    return { service, typename, id: node.id, name: node.name, redirects, node };
  });
}

/** A list's failure as the inventory reports it: always with the upstream it concerns. */
function listError(error: unknown, { service, list }: Listed): GraphQLError {
  const upstream = { service, operation: list.operation };
  if (!(error instanceof GraphQLError)) {
    log.error('reading a list for the inventory failed unexpectedly', {
      service,
      operation: list.operation,
      error: error instanceof Error ? `${error.name}: ${error.message}` : typeof error,
    });
    return gatewayError('INTERNAL_SERVER_ERROR', 'Unexpected error.', { upstream });
  }
  return error.extensions.upstream ? error : rewritten(error, error.message, { upstream });
}

// ---- order ----

/** Ids of digits in numeric order (integer primary keys), others by code unit. */
function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: { service: string; typename: string; id: string }, b: typeof a): number {
  if (a.service !== b.service) return a.service < b.service ? -1 : 1;
  if (a.typename !== b.typename) return a.typename < b.typename ? -1 : 1;
  return compareIds(a.id, b.id);
}

const compareApplications = (a: Application, b: Application) => compareKeys(a, b);

/** The applications after `after` (a type name and id) in the inventory's order. */
export function after(applications: readonly Application[], key: { typename: string; id: string }): Application[] {
  const service = listOfType(key.typename)?.service ?? '';
  const from = applications.findIndex((application) => compareKeys(application, { service, ...key }) > 0);
  return from === -1 ? [] : applications.slice(from);
}

// ---- filters ----

export interface Filter {
  nameContains?: string;
  redirectUrl?: UrlQuery;
  redirectHost?: HostQuery;
}

const folded = (text: string) => text.normalize('NFKC').toLowerCase();

export function matches(application: Application, filter: Filter): boolean {
  if (filter.nameContains !== undefined && !folded(application.name ?? '').includes(folded(filter.nameContains))) return false;
  const { redirectUrl, redirectHost } = filter;
  if (redirectUrl && !application.redirects.some((redirect) => acceptsUrl(redirect, redirectUrl))) return false;
  if (redirectHost && !application.redirects.some((redirect) => redirectsToHost(redirect, redirectHost))) return false;
  return true;
}
