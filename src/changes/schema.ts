import { builder } from '../builder.js';
import { VENDORS, type ServiceId } from '../services/index.js';
import type { FieldChange } from './write.js';

/** The GraphQL types every vendor's writes share: which upstream, and what a change does field by field. */

/** UPPER_SNAKE of each service id, from the registry: `identitynow` → IDENTITYNOW. */
export const UpstreamServiceEnum = builder.enumType('UpstreamService', {
  description: 'An upstream vendor API the gateway serves.',
  values: Object.fromEntries(VENDORS.map((vendor) => [vendor.id.toUpperCase(), { value: vendor.id }])) as Record<
    Uppercase<ServiceId>,
    { value: ServiceId }
  >,
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
      resolve: (c) => c.before ?? null,
    }),
    after: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The value after the change; null when removed.',
      resolve: (c) => c.after ?? null,
    }),
  }),
});
