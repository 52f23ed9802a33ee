import { ConfigError, type EnvReader } from '../../env.js';
import type { VendorSettings } from '../vendor.js';
import { parseRelease, release, type Release } from './releases.js';

/** authentik's own settings: the release to assume instead of asking, and the one the sandbox emulates. */
export type AuthentikSettings = {
  /** AUTHENTIK_API_VERSION: when set, the gateway does not ask the server for its release. */
  readonly release?: Release;
  /** SANDBOX_AUTHENTIK_VERSION: the release the sandbox's emulation behaves as. */
  readonly sandboxRelease: Release;
};

/** The releases the sandbox emulates: those of the two specs in upstream-specs/; the newer by default. */
export const SANDBOX_RELEASES: readonly Release[] = [release('2024.8.1'), release('2026.2.0')];
const SANDBOX_DEFAULT = SANDBOX_RELEASES.at(-1)!;

export function readSettings(env: EnvReader): AuthentikSettings {
  const configured = env('AUTHENTIK_API_VERSION');
  const assumed = configured === undefined ? undefined : parseRelease(configured);
  if (configured !== undefined && !assumed) {
    throw new ConfigError('AUTHENTIK_API_VERSION must be an authentik release such as 2024.8.1 or 2026.2');
  }
  const sandbox = env('SANDBOX_AUTHENTIK_VERSION');
  const asked = sandbox === undefined ? SANDBOX_DEFAULT : parseRelease(sandbox);
  // 2024.8 and 2024.8.1 name the same emulation: there is one per year.minor.
  const sandboxRelease = asked && SANDBOX_RELEASES.find((r) => Math.floor(r.key / 100) === Math.floor(asked.key / 100));
  if (!sandboxRelease) throw new ConfigError('SANDBOX_AUTHENTIK_VERSION must be 2024.8 or 2026.2');
  return { ...(assumed ? { release: assumed } : {}), sandboxRelease };
}

/** The settings readSettings made, from where config keeps them (none: the defaults). */
export function settingsOf(settings: VendorSettings | undefined): AuthentikSettings {
  const { release: assumed, sandboxRelease } = (settings ?? {}) as Partial<AuthentikSettings>;
  return { ...(assumed ? { release: assumed } : {}), sandboxRelease: sandboxRelease ?? SANDBOX_DEFAULT };
}
