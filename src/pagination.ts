import type { ObjectRef } from '@pothos/core';
import { builder, type Types } from './builder.js';
import { badUserInput } from './errors.js';

/**
 * Cursor paging shared by every connection type (`nodes`, `pageInfo`): `first` bounded, `after` an
 * opaque cursor from an earlier page of the same connection.
 */
export interface PageInfoShape {
  hasNextPage: boolean;
  endCursor: string | null;
}

export const PageInfo = builder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Where a page ends: pass endCursor as `after` to get the next one.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { nullable: false, description: 'Whether more items follow this page.' }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: 'Opaque cursor of the last item on this page; null when the page is empty, or when the list has no next page to reach.',
    }),
  }),
});

/**
 * An opaque cursor: a connection's name and a position in it, base64url-encoded. The name keeps a
 * cursor of one connection from being taken for a position in another.
 */
export function encodeCursor(connection: string, position: string): string {
  return Buffer.from(`${connection}:${position}`, 'utf8').toString('base64url');
}

/** The position `after` holds, checked by `valid`; BAD_USER_INPUT naming `field` when it is not a cursor of `connection`. */
export function decodeCursor(connection: string, cursor: string, valid: (position: string) => boolean, field = 'after'): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const prefix = `${connection}:`;
  const position = text.startsWith(prefix) ? text.slice(prefix.length) : undefined;
  if (position === undefined || !valid(position)) {
    throw badUserInput([{ field, messages: ['Not a cursor of this list: pass the endCursor of an earlier page.'] }]);
  }
  return position;
}

/** How many items a page holds: `first`, or the default, within 1…max. */
export function pageSize(first: number | null | undefined, bounds: { default: number; max: number }, field = 'first'): number {
  if (first === null || first === undefined) return bounds.default;
  if (!Number.isInteger(first) || first < 1 || first > bounds.max) {
    throw badUserInput([{ field, messages: [`Must be between 1 and ${bounds.max}.`] }]);
  }
  return first;
}

/** A connection's page: the nodes and where it ends, from each node's cursor. */
export function pageOf<T>(nodes: T[], cursors: readonly string[], hasNextPage: boolean): { nodes: T[]; pageInfo: PageInfoShape } {
  return { nodes, pageInfo: { hasNextPage, endCursor: cursors.at(-1) ?? null } };
}

/**
 * A vendor list that answers every item at once, as a page of a connection: its vendor's spec
 * declares no paging, so there is never a next page (hasNextPage false, no cursor).
 */
export function wholeListPage<T>(name: string, node: ObjectRef<Types, T>, description: string) {
  return builder.objectRef<T[]>(name).implement({
    description,
    fields: (t) => ({
      nodes: t.field({ type: [node], nullable: false, resolve: (items) => items }),
      pageInfo: t.field({
        type: PageInfo,
        nullable: false,
        description: 'Always without a next page: the vendor answered every item.',
        resolve: () => ({ hasNextPage: false, endCursor: null }),
      }),
      totalCount: t.int({ nullable: false, resolve: (items) => items.length }),
    }),
  });
}
