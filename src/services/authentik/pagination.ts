import { GraphQLError } from 'graphql';
import type { ObjectRef } from '@pothos/core';
import { builder, type Types } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { gatewayError, limitExceeded } from '../../errors.js';
import { asObject, int } from '../../upstream-values.js';
import { unexpectedBody } from '../../upstream/response.js';
import { list, type ListParams, type Resource } from './client.js';

/**
 * authentik's page-number pagination (authentik/api/pagination.py): every list answers
 * `{pagination: {next, previous, count, current, total_pages, start_index, end_index}, results}`,
 * next and previous 0 when there is none. The page size is `page_size` where the release allows it:
 * 2024.8 takes any (100 by default); from 2025.12 the tenant's default (20) and maximum (100) apply.
 */

export interface AuthentikPage {
  results: unknown[];
  current: number;
  /** Null when this is the last page (authentik says 0). */
  next: number | null;
  previous: number | null;
  count: number;
  totalPages: number;
}

/** A paginated list answer, read; UPSTREAM_ERROR when it is not one. */
export function pageOf(body: unknown, operation: string): AuthentikPage {
  const answer = asObject(body);
  const pagination = asObject(answer?.pagination);
  const numbers = pagination && {
    current: int(pagination.current),
    next: int(pagination.next),
    previous: int(pagination.previous),
    count: int(pagination.count),
    totalPages: int(pagination.total_pages),
  };
  if (!answer || !Array.isArray(answer.results) || !numbers || Object.values(numbers).some((n) => n === null || n === undefined || n < 0)) {
    throw unexpectedBody('authentik', operation, 'a paginated list');
  }
  const { current, next, previous, count, totalPages } = numbers as Record<keyof typeof numbers, number>;
  return {
    results: answer.results,
    current,
    next: next === 0 ? null : next,
    previous: previous === 0 ? null : previous,
    count,
    totalPages,
  };
}

// ---- a page, as the list fields answer it ----

export interface AuthentikPageShape<T> {
  nodes: T[];
  page: AuthentikPage;
}

const AuthentikPageInfo = builder.objectRef<AuthentikPage>('AuthentikPageInfo').implement({
  description: "Where a page of an authentik list is, from authentik's own pagination: pass nextPage as page to get the next one.",
  fields: (t) => ({
    page: t.exposeInt('current', { nullable: false, description: 'This page, from 1.' }),
    totalPages: t.exposeInt('totalPages', { nullable: false }),
    hasNextPage: t.boolean({ nullable: false, resolve: (page) => page.next !== null }),
    nextPage: t.exposeInt('next', { nullable: true, description: 'The next page; null on the last.' }),
    previousPage: t.exposeInt('previous', { nullable: true, description: 'The page before; null on the first.' }),
  }),
});

/** The type of one page of an authentik list of `node`s. */
export function authentikPageType<T>(name: string, node: ObjectRef<Types, T>, what: string) {
  return builder.objectRef<AuthentikPageShape<T>>(name).implement({
    description: `One page of ${what}, as authentik pages them.`,
    fields: (t) => ({
      nodes: t.field({ type: [node], nullable: false, resolve: (shape) => shape.nodes }),
      pageInfo: t.field({ type: AuthentikPageInfo, nullable: false, resolve: (shape) => shape.page }),
      totalCount: t.int({
        nullable: false,
        description: 'Items in the whole list (authentik `count`).',
        resolve: (shape) => shape.page.count,
      }),
    }),
  });
}

// ---- the whole list ----

/**
 * The page size asked for when reading a whole list: the most authentik 2025.12 and later give by
 * default (the tenant's pagination_max_page_size); 2024.8 has no maximum. A tenant with a lower
 * maximum answers smaller pages, and the walk follows `next` whatever their size.
 */
export const WHOLE_LIST_PAGE_SIZE = 100;

/** Pages read at once after the first, which says how many there are: a few, to spare authentik. */
export const PAGES_AT_ONCE = 4;

/**
 * Every item of a list, in pk order (unique and fixed, so page boundaries never move between ties),
 * each once. The first page says how many there are; the others are read a few at a time. A list
 * that changes while it is read (its count moves, a page disappears or appears) is read once more
 * and both readings merged, so an item that was there throughout is not missed. At most `maxPages`
 * pages in all: a longer list is refused with the listPages limit before reading on.
 */
export async function readWholeList(
  ctx: Context,
  resource: Resource,
  what: string,
  maxPages: number,
  keyOf: (item: unknown) => string | undefined,
): Promise<unknown[]> {
  const http = upstreamOf(ctx, 'authentik', resource.list);
  const params: ListParams = { page_size: WHOLE_LIST_PAGE_SIZE, ordering: 'pk' };
  const upstream = { service: 'authentik' as const, operation: resource.list };
  let pagesRead = 0;
  const refused = (message: string) =>
    limitExceeded(
      { name: 'listPages', max: maxPages },
      `${message}; GATEWAY_MAX_LIST_PAGES lets one list take ${maxPages} pages.`,
      undefined,
      upstream,
    );
  /** A page, or undefined when it is gone (the list shrank since it was counted). */
  const read = async (page: number): Promise<AuthentikPage | undefined> => {
    pagesRead += 1;
    try {
      return pageOf(await list(http, resource, { ...params, page }), resource.list);
    } catch (error) {
      if (page > 1 && error instanceof GraphQLError && error.extensions.upstream?.status === 404) return undefined;
      throw error;
    }
  };

  const readOnce = async (): Promise<{ items: unknown[]; changed: boolean }> => {
    if (pagesRead >= maxPages) throw refused(`${what} changed while they were read, and reading them again would take more pages`);
    const first = (await read(1))!;
    if (first.totalPages > maxPages) throw refused(`authentik has ${first.totalPages} pages of ${what}, so they were not read`);
    if (first.next === null) return { items: first.results, changed: first.results.length !== first.count };
    if (first.next !== 2) {
      throw gatewayError('UPSTREAM_ERROR', `authentik's pagination of ${what} went from page 1 to ${first.next}.`, { upstream });
    }
    if (pagesRead + first.totalPages - 1 > maxPages) {
      throw refused(`${what} changed while they were read, and reading them again would take more pages`);
    }
    const rest: Array<AuthentikPage | undefined> = [];
    for (let from = 2; from <= first.totalPages; from += PAGES_AT_ONCE) {
      const pages = Array.from({ length: Math.min(PAGES_AT_ONCE, first.totalPages - from + 1) }, (_, i) => from + i);
      rest.push(...(await Promise.all(pages.map(read))));
    }
    const items = [...first.results];
    let changed = false;
    rest.forEach((answer, i) => {
      const page = i + 2;
      if (answer && answer.current !== page) {
        throw gatewayError('UPSTREAM_ERROR', `authentik answered page ${answer.current} of ${what} when asked for page ${page}.`, {
          upstream,
        });
      }
      if (!answer || answer.count !== first.count || answer.totalPages !== first.totalPages) changed = true;
      if (answer) items.push(...answer.results);
    });
    if (rest.at(-1)?.next != null || items.length !== first.count) changed = true;
    return { items, changed };
  };

  const merged = new Map<string, unknown>();
  const keep = (items: unknown[]) => {
    for (const item of items) {
      const key = keyOf(item);
      if (key === undefined) throw unexpectedBody('authentik', resource.list, `a list of ${what} with their pk`);
      merged.set(key, item);
    }
  };
  const first = await readOnce();
  keep(first.items);
  if (first.changed) keep((await readOnce()).items);
  return [...merged.values()];
}
