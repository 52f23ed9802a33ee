import type { ObjectRef } from '@pothos/core';
import { builder, type Types } from '../builder.js';
import type { Context } from '../context.js';
import type { Redirect } from './redirects.js';

/**
 * What a vendor's folder tells the inventory of one of its OAuth application types: the GraphQL
 * type (which then implements OAuthApplication), how to read every one of them, and which
 * redirects each accepts. The vendor definition lists them (VendorDefinition.applications).
 */

/** What every implementing type's value has in common. */
export interface ApplicationNode {
  id: string | null;
  name: string | null;
  version: string;
}

/** Implemented in src/inventory/schema.ts, once every vendor's types exist. */
export const OAuthApplication = builder.interfaceRef<ApplicationNode>('OAuthApplication');

export interface ApplicationList<T extends ApplicationNode = ApplicationNode> {
  type: ObjectRef<Types, T>;
  /** What the list holds, in messages and the schema's descriptions: "Acme OAuth clients". */
  what: string;
  /** Which of its URLs its redirectUrls are, for the schema's description: "its redirect URIs". */
  redirectsRead: string;
  /** The vendor's operation id of the list, for errors that name no call. */
  operation: string;
  /**
   * Every application of the list, the vendor's own paging followed to its end. `ctx.calls` is this
   * reading's own budget: at most `maxPages` upstream calls (GATEWAY_MAX_LIST_PAGES).
   */
  readAll(ctx: Context, maxPages: number): Promise<T[]>;
  /**
   * The redirects the application accepts, in the vendor's order; undefined when the vendor's answer
   * does not say (an error of the inventory, never "none").
   */
  redirects(node: T, ctx: Context): Redirect[] | undefined;
}

/** Makes the list's type implement OAuthApplication; the vendor definition lists what this returns. */
export function applicationList<T extends ApplicationNode>(list: ApplicationList<T>): ApplicationList<T> {
  list.type.addInterfaces([OAuthApplication]);
  return list;
}
