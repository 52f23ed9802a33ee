import { startAuthentikSandbox } from './authentik.js';
import { startIdentityNowSandbox } from './identitynow.js';
import { startLaunchDarklySandbox } from './launchdarkly.js';

export { startAuthentikSandbox, type AuthentikSandbox } from './authentik.js';
export { startIdentityNowSandbox, type IdentityNowSandbox } from './identitynow.js';
export { startLaunchDarklySandbox, type LaunchDarklySandbox } from './launchdarkly.js';

/** The three emulated vendor APIs; each `url` is the API root the gateway is configured with. */
export interface Sandbox {
  identitynow: { url: string; token: string };
  launchdarkly: { url: string; apiKey: string };
  authentik: { url: string; token: string };
  close(): Promise<void>;
}

/** Starts all three emulators, each with a fresh copy of its seed and fresh random credentials. */
export async function startSandbox(): Promise<Sandbox> {
  const started = await Promise.allSettled([startIdentityNowSandbox(), startLaunchDarklySandbox(), startAuthentikSandbox()]);
  const [identitynow, launchdarkly, authentik] = started;
  if (identitynow.status !== 'fulfilled' || launchdarkly.status !== 'fulfilled' || authentik.status !== 'fulfilled') {
    // Do not leave the ones that did start listening.
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    throw failure?.reason;
  }
  const servers = [identitynow.value, launchdarkly.value, authentik.value];
  return {
    identitynow: { url: identitynow.value.url, token: identitynow.value.token },
    launchdarkly: { url: launchdarkly.value.url, apiKey: launchdarkly.value.apiKey },
    authentik: { url: authentik.value.url, token: authentik.value.token },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
