import { VENDORS, type ServiceId } from '../services/index.js';
import type { SandboxedVendor, SandboxSeed, VendorSettings } from '../services/vendor.js';

/** Every vendor's emulation; each `url` is the API root the gateway is configured with. */
export interface Sandbox {
  services: Readonly<Record<ServiceId, SandboxedVendor>>;
  close(): Promise<void>;
}

/**
 * Starts every vendor's emulator, each with a fresh copy of its seed and fresh random credentials,
 * as its settings say (Config['vendorSettings']), and `seed`'s generated resources beside its samples.
 */
export async function startSandbox(
  settings: Partial<Record<ServiceId, VendorSettings>> = {},
  seed: SandboxSeed = { extraApplications: 0 },
): Promise<Sandbox> {
  const started = await Promise.allSettled(VENDORS.map((vendor) => vendor.sandbox(settings[vendor.id] ?? {}, seed)));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failure) {
    // Do not leave the ones that did start listening.
    await Promise.all(running.map((server) => server.close()));
    throw failure.reason;
  }
  const services = Object.fromEntries(VENDORS.map((vendor, i) => [vendor.id, running[i]!])) as Record<ServiceId, SandboxedVendor>;
  return {
    services,
    close: async () => {
      await Promise.all(running.map((server) => server.close()));
    },
  };
}
