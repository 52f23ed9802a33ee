import type { ArgBuilder } from '@pothos/core';
import type { Types } from '../../builder.js';
import { badUserInput } from '../../errors.js';
import { asObject } from '../../upstream-values.js';
import type { ListParams } from './client.js';
import { unexpectedBody } from '../../upstream/response.js';

/** The paging and search arguments authentik's list endpoints share. */
export function listArgs(arg: ArgBuilder<Types>) {
  return {
    page: arg.int({ description: 'Page number, from 1 (authentik `page`).' }),
    pageSize: arg.int({ description: 'Results per page (authentik `page_size`).' }),
    search: arg.string({ description: 'A search term (authentik `search`).' }),
    ordering: arg.string({ description: 'Field to order by, e.g. name or -name (authentik `ordering`).' }),
  };
}

export function listParams(args: {
  page?: number | null;
  pageSize?: number | null;
  search?: string | null;
  ordering?: string | null;
}): ListParams {
  const errors = [];
  if (args.page != null && args.page < 1) errors.push({ field: 'page', messages: ['must be at least 1.'] });
  if (args.pageSize != null && args.pageSize < 1) errors.push({ field: 'pageSize', messages: ['must be at least 1.'] });
  if (args.ordering != null && !/^-?[a-z_]{1,64}$/.test(args.ordering))
    errors.push({ field: 'ordering', messages: ['must be a field name, optionally prefixed with "-".'] });
  if (errors.length > 0) throw badUserInput(errors);
  return {
    ...(args.page != null ? { page: args.page } : {}),
    ...(args.pageSize != null ? { page_size: args.pageSize } : {}),
    ...(args.search != null ? { search: args.search } : {}),
    ...(args.ordering != null ? { ordering: args.ordering } : {}),
  };
}

/** The `results` of a paginated authentik list. */
export function results(body: unknown, operation: string): unknown[] {
  const page = asObject(body);
  if (!page || !Array.isArray(page.results)) {
    throw unexpectedBody('authentik', operation, 'a paginated list');
  }
  return page.results;
}
