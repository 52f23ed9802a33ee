import type { Credential } from '../config.js';
import { ConfigError, type EnvReader } from '../env.js';
import type { ApplicationList } from '../inventory/application.js';
import { isSendable, SENDABLE_SHAPE, type AuthScheme } from '../upstream/credentials.js';
import type { QuotaReader } from '../upstream/rate-limit.js';
import type { ReadsChangedBy } from '../upstream/read-sharing.js';

/** A vendor's own settings, read from its own variables by its definition; only its folder reads what they hold. */
export type VendorSettings = Readonly<Record<string, unknown>>;

/** One vendor's emulation in the sandbox, listening on loopback. */
export interface SandboxedVendor {
  /** The API root the gateway is pointed at. */
  url: string;
  /** The throwaway credential the emulation accepts. */
  secret: string;
  close(): Promise<void>;
}

/**
 * Everything the gateway outside a vendor's folder knows of it. src/services/index.ts lists the
 * definitions; config, the HTTP layer, the context, the schema and the sandbox iterate that list.
 */
export interface VendorDefinition<Id extends string = string> {
  /** The service id in config, logs, errors and metrics: `identitynow`. */
  readonly id: Id;
  /** Its variables are `<envPrefix>_URL` and those its credential reader names. */
  readonly envPrefix: string;
  /** The vendor's one public API root, when it has one: then a credential alone configures the service. */
  readonly defaultUrl?: string;
  /** How the credential is sent, and the header in which a caller may send its own instead. */
  readonly auth: { readonly scheme: AuthScheme; readonly callerHeader: string };
  /** The configured credential, from the vendor's own variables (`env` reads any variable by its full name). */
  credential(env: EnvReader, apiRoot: string): Credential;
  /**
   * The vendor's own settings, from its own variables (`env` reads any variable by its full name);
   * a bad value throws ConfigError naming the variable. Read whether or not the service is configured.
   */
  settings?(env: EnvReader): VendorSettings;
  /** Starts the sandbox's emulation with a fresh seed and a fresh credential, as the vendor's settings say. */
  sandbox(settings: VendorSettings, seed: SandboxSeed): Promise<SandboxedVendor>;
  /**
   * What the vendor documents of its rate limit: `rate`, the default of <PREFIX>_RATE_LIMIT (per
   * credential, e.g. `100/10s`), and `signals`, how its answers say what is left of its quota.
   */
  readonly quota?: { readonly rate?: string; readonly signals?: QuotaReader };
  /** Members of its answers that hold a secret, at any depth: the read cache never keeps them. */
  readonly secretMembers: readonly string[];
  /**
   * Which of its reads a write may change (src/upstream/read-sharing.ts): the read cache drops
   * those, and coalescing lets no later read share one begun before the write. Every read unless set.
   */
  readonly readsChangedBy?: ReadsChangedBy;
  /** Its OAuth application types, for the inventory across vendors (oauthApplications). */
  readonly applications: readonly ApplicationList[];
}

/** What the sandbox seeds beside each vendor's sample resources. */
export interface SandboxSeed {
  /** Generated OAuth applications per resource type (SANDBOX_EXTRA_APPLICATIONS): enough to page through. */
  readonly extraApplications: number;
}

/** Keeps the literal type of `id`, so the registry can derive the ServiceId union. */
export function defineVendor<const Id extends string>(definition: VendorDefinition<Id>): VendorDefinition<Id> {
  return definition;
}

/** The credential in variable `name`: one secret, or none when it is unset. Refused unless it can be sent (isSendable). */
export function staticCredential(env: EnvReader, name: string): Credential {
  const secret = env(name);
  if (!secret) return { kind: 'none' };
  // The message never quotes the value: it is a secret.
  if (!isSendable(secret)) throw new ConfigError(`${name} must be ${SENDABLE_SHAPE}`);
  return { kind: 'static', secret };
}
