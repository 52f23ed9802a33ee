// In the order of VENDORS: importing a definition adds its types to the schema, in this order.
import { identitynow } from './identitynow/index.js';
import { launchdarkly } from './launchdarkly/index.js';
import { authentik } from './authentik/index.js';

/** Every vendor the gateway serves: the one list the rest of the gateway iterates. */
export const VENDORS = [identitynow, launchdarkly, authentik] as const;

export type ServiceId = (typeof VENDORS)[number]['id'];

export type { VendorDefinition } from './vendor.js';
