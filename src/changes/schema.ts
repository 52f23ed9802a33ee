import { builder } from '../builder.js';
import { VENDORS, type ServiceId } from '../services/index.js';
import { ChangePlan, ChangePlans, DeletedResource, type PlannedRequest } from './types.js';
import type { FieldChange } from './write.js';

/** The upstream services by GraphQL name (the id in capitals) with their ids as values. */
export const UpstreamService = builder.enumType('UpstreamService', {
  description: 'An upstream vendor API the gateway serves.',
  values: Object.fromEntries(VENDORS.map((vendor) => [vendor.id.toUpperCase(), { value: vendor.id }])) as Record<
    string,
    { value: ServiceId }
  >,
});

DeletedResource.implement({
  description: 'A resource a vendor has deleted.',
  fields: (t) => ({
    service: t.expose('service', { type: UpstreamService, nullable: false }),
    id: t.exposeID('id', { nullable: false, description: 'The id (or slug) of the deleted resource.' }),
  }),
});

const PlannedRequestType = builder.objectRef<PlannedRequest>('PlannedRequest').implement({
  description: 'One request a change would send to the vendor, exactly as it would go (credentials are never shown, secrets are masked).',
  fields: (t) => ({
    method: t.exposeString('method', { nullable: false }),
    path: t.exposeString('path', { nullable: false, description: 'Below the API root, with its query.' }),
    contentType: t.exposeString('contentType', { nullable: true }),
    body: t.expose('body', { type: 'JSON', nullable: true }),
  }),
});

export const FieldChangeType = builder.objectRef<FieldChange>('FieldChange').implement({
  description: 'One field a change sets, in GraphQL names; a secret reads "[SECRET]".',
  fields: (t) => ({
    field: t.exposeString('field', {
      nullable: false,
      description: 'The GraphQL input field, or the JSON Patch path without its leading "/".',
    }),
    before: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The value before the change, where known.',
      resolve: (change) => change.before ?? null,
    }),
    after: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The value after the change; null when removed.',
      resolve: (change) => change.after ?? null,
    }),
  }),
});

ChangePlan.implement({
  description: 'What a mutation would do, after every check it runs, with nothing written.',
  fields: (t) => ({
    service: t.expose('service', { type: UpstreamService, nullable: false }),
    operation: t.exposeString('operation', { nullable: false, description: "The vendor's operation id." }),
    requests: t.field({ type: [PlannedRequestType], nullable: false, resolve: (plan) => plan.requests }),
    before: t.expose('before', { type: 'JSON', nullable: true, description: 'The resource as the vendor has it now (null for a create).' }),
    after: t.expose('after', {
      type: 'JSON',
      nullable: true,
      description: 'The resource as it would be after the change (null for a delete).',
    }),
    changes: t.field({ type: [FieldChangeType], nullable: false, resolve: (plan) => [...plan.changes] }),
  }),
});

ChangePlans.implement({
  description: 'Every mutation with the same arguments, answering what it would do instead of doing it.',
  fields: () => ({}),
});

builder.mutationField('plan', (t) =>
  t.field({
    type: ChangePlans,
    nullable: false,
    description:
      'Plans instead of changes: `plan { patchOAuthClient(...) { requests changes } }` runs every check the mutation runs, reads what it needs, and writes nothing.',
    resolve: () => ({}),
  }),
);
