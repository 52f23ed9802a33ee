import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { startProxy, type Proxy } from './helpers/proxy.js';

// The whole life of an IdentityNow and a LaunchDarkly OAuth client, through the gateway to the
// sandbox's emulations, with a recording proxy in between that can also change the resource behind
// the gateway's back, or hang before or after passing a write on.
const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

interface Vendor {
  service: 'identitynow' | 'launchdarkly';
  typename: string;
  create: string;
  createInput: string;
  get: string;
  list: string;
  update: string;
  updateInput: string;
  patch: string;
  remove: string;
  /** The vendor's path of one client, below the proxy's origin. */
  path(id: string): string;
  collection: string;
  /** The fields a query selects. */
  fields: string;
}

const VENDORS: Vendor[] = [
  {
    service: 'identitynow',
    typename: 'IdentityNowOAuthClient',
    create: 'createOAuthClient',
    createInput: `{ name: "Lifecycle App", description: "made by a test", accessTokenValiditySeconds: 600, grantTypes: [AUTHORIZATION_CODE, REFRESH_TOKEN], accessType: OFFLINE, enabled: true, redirectUris: ["https://life.example.com/cb"] }`,
    get: 'oauthClient',
    list: 'oauthClients',
    update: 'updateOAuthClient',
    updateInput: '{ name: "Renamed", description: null }',
    patch: 'patchOAuthClient',
    remove: 'deleteOAuthClient',
    path: (id) => `/beta/oauth-clients/${id}`,
    collection: '/beta/oauth-clients',
    fields: 'id name description redirectUris version',
  },
  {
    service: 'launchdarkly',
    typename: 'LaunchDarklyOAuthClient',
    create: 'createLaunchDarklyOAuthClient',
    createInput: '{ name: "Lifecycle App", description: "made by a test", redirectUri: "https://life.example.com/cb" }',
    get: 'launchDarklyOAuthClient',
    list: 'launchDarklyOAuthClients',
    update: 'updateLaunchDarklyOAuthClient',
    updateInput: '{ name: "Renamed", description: null }',
    patch: 'patchLaunchDarklyOAuthClient',
    remove: 'deleteLaunchDarklyOAuthClient',
    path: (id) => `/api/v2/oauth/clients/${id}`,
    collection: '/api/v2/oauth/clients',
    fields: 'id name description redirectUri version',
  },
];

let sandbox: Sandbox;
const proxies: Partial<Record<Vendor['service'], Proxy>> = {};
let gateway: RunningGateway;

beforeAll(async () => {
  sandbox = await startSandbox();
  proxies.identitynow = await startProxy(new URL(sandbox.services.identitynow.url).origin);
  proxies.launchdarkly = await startProxy(sandbox.services.launchdarkly.url);
  gateway = await startGateway({
    IDENTITYNOW_URL: `${proxies.identitynow.origin}/beta`,
    IDENTITYNOW_TOKEN: sandbox.services.identitynow.secret,
    LAUNCHDARKLY_URL: proxies.launchdarkly.origin,
    LAUNCHDARKLY_API_KEY: sandbox.services.launchdarkly.secret,
    // A write in doubt ends fast, and so does its read-back.
    UPSTREAM_TIMEOUT_MS: '800',
    UPSTREAM_READBACK_TIMEOUT_MS: '800',
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all(Object.values(proxies).map((p) => p!.close()));
  await sandbox.close();
});

beforeEach(() => {
  for (const proxy of Object.values(proxies)) proxy!.reset();
});

async function create(vendor: Vendor): Promise<{ id: string; version: string; secret: string }> {
  const res = await gateway.gql(`mutation { ${vendor.create}(input: ${vendor.createInput}) { secret client { ${vendor.fields} } } }`);
  expect(res.errors).toBeUndefined();
  const created = res.data[vendor.create];
  return { id: created.client.id, version: created.client.version, secret: created.secret };
}

const writes = (proxy: Proxy) => proxy.requests.filter((r) => r.method !== 'GET');

describe.each(VENDORS)('$service', (vendor) => {
  const proxy = () => proxies[vendor.service]!;

  it('create, read back everywhere, delete, gone; the secret only in the create answer', async () => {
    const answer = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { ${vendor.create}(input: ${vendor.createInput}) { secret client { ${vendor.fields} } } }` }),
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { data } = (await answer.json()) as { data: Record<string, { secret: string; client: { id: string; name: string } }> };
    const { secret, client } = data[vendor.create]!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(client.name).toBe('Lifecycle App');
    const post = proxy().requests.find((r) => r.method === 'POST')!;
    expect(post.url).toBe(vendor.collection);
    expect(post.headers['content-type']).toBe('application/json');

    const one = await gateway.gql(`{ ${vendor.get}(id: "${client.id}") { ${vendor.fields} } }`);
    expect(one.data[vendor.get]).toMatchObject({ id: client.id, name: 'Lifecycle App', description: 'made by a test' });
    const all = await gateway.gql(`{ ${vendor.list} { id } }`);
    expect(all.data[vendor.list].map((c: { id: string }) => c.id)).toContain(client.id);
    const entities = await gateway.gql(
      `{ _entities(representations: [{ __typename: "${vendor.typename}", id: "${client.id}" }]) { ... on ${vendor.typename} { id name } } }`,
    );
    expect(entities.data._entities).toEqual([{ id: client.id, name: 'Lifecycle App' }]);
    // A query answer never shows the secret, whatever it selects.
    expect(JSON.stringify([one, all, entities])).not.toContain(secret);

    const deleted = await gateway.gql(`mutation { ${vendor.remove}(id: "${client.id}") { service id } }`);
    expect(deleted.data[vendor.remove]).toEqual({ service: vendor.service.toUpperCase(), id: client.id });
    expect(proxy().requests.at(-1)).toMatchObject({ method: 'DELETE', url: vendor.path(client.id) });
    expect((await gateway.gql(`{ ${vendor.get}(id: "${client.id}") { id } }`)).data[vendor.get]).toBeNull();
    const again = await gateway.gql(`mutation { ${vendor.remove}(id: "${client.id}") { id } }`);
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: { service: vendor.service, status: 404 } });

    expect(logLines.join('\n')).not.toContain(secret);
  });

  it('a create missing what the spec requires is refused before any call', async () => {
    const res = await gateway.gql(`mutation { ${vendor.create}(input: { description: "no name" }) { secret } }`);
    expect(res.errors![0]!.extensions!.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(writes(proxy())).toHaveLength(0);
  });

  it('the typed update and the JSON Patch, each read back, and the version moves', async () => {
    const { id, version } = await create(vendor);
    const updated = await gateway.gql(`mutation { ${vendor.update}(id: "${id}", input: ${vendor.updateInput}) { ${vendor.fields} } }`);
    expect(updated.errors).toBeUndefined();
    expect(updated.data[vendor.update]).toMatchObject({ id, name: 'Renamed', description: null });
    const patch = writes(proxy()).at(-1)!;
    expect(patch.method).toBe('PATCH');
    const ops = JSON.parse(patch.body);
    expect(ops).toContainEqual({ op: 'replace', path: '/name', value: 'Renamed' });
    // IdentityNow requires description (nullable): null replaces it; LaunchDarkly's may be absent:
    // null adds it (so that it is there) and removes it.
    if (vendor.service === 'identitynow') expect(ops).toContainEqual({ op: 'replace', path: '/description', value: null });
    else
      expect(ops.slice(-2)).toEqual([
        { op: 'add', path: '/description', value: '' },
        { op: 'remove', path: '/description' },
      ]);

    const patched = await gateway.gql(
      `mutation { ${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Patched" }]) { ${vendor.fields} } }`,
    );
    expect(patched.data[vendor.patch].name).toBe('Patched');
    const read = await gateway.gql(`{ ${vendor.get}(id: "${id}") { ${vendor.fields} } }`);
    expect(read.data[vendor.get]).toEqual(patched.data[vendor.patch]);
    expect(read.data[vendor.get].version).not.toBe(version);
  });

  it('a plan of each kind shows the exact request and the changes, and nothing is written', async () => {
    const { id, version } = await create(vendor);
    proxy().reset();
    const res = await gateway.gql(`mutation {
      plan {
        create: ${vendor.create}(input: ${vendor.createInput}) { operation requests { method path contentType body } before after changes { field after } }
        update: ${vendor.update}(id: "${id}", input: { name: "Planned" }) { requests { method path body } before after changes { field before after } }
        patch: ${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Planned" }], ifVersion: "${version}") { requests { body } changes { field before after } }
        remove: ${vendor.remove}(id: "${id}") { requests { method path } before after }
      }
    }`);
    expect(res.errors).toBeUndefined();
    const plan = res.data.plan;
    expect(plan.create.requests).toEqual([
      { method: 'POST', path: vendor.collection.replace('/beta', ''), contentType: 'application/json', body: plan.create.after },
    ]);
    expect(plan.create.before).toBeNull();
    expect(plan.update.requests[0]).toMatchObject({ method: 'PATCH', body: [{ op: 'replace', path: '/name', value: 'Planned' }] });
    expect(plan.update.changes).toEqual([{ field: 'name', before: 'Lifecycle App', after: 'Planned' }]);
    expect(plan.update.after.name).toBe('Planned');
    // With ifVersion, the patch carries test operations that assert what the version was computed from.
    expect(plan.patch.requests[0].body.filter((op: { op: string }) => op.op === 'test').length).toBeGreaterThan(0);
    expect(plan.remove).toMatchObject({ requests: [{ method: 'DELETE' }], after: null });
    expect(plan.remove.before.name).toBe('Lifecycle App');
    expect(writes(proxy())).toHaveLength(0);
    expect(JSON.stringify(plan)).not.toMatch(/secret/i);
  });

  it('a stale ifVersion is CONFLICT with the current version, and nothing is written', async () => {
    const { id, version } = await create(vendor);
    await gateway.gql(`mutation { ${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Moved on" }]) { id } }`);
    proxy().reset();
    for (const mutation of [
      `${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Late" }], ifVersion: "${version}")`,
      `${vendor.update}(id: "${id}", input: { name: "Late" }, ifVersion: "${version}")`,
      `${vendor.remove}(id: "${id}", ifVersion: "${version}")`,
    ]) {
      const res = await gateway.gql(`mutation { ${mutation} { __typename } }`);
      expect(res.errors![0]!.extensions!.code).toBe('CONFLICT');
      expect(res.errors![0]!.extensions!.currentVersion).toBeTruthy();
      expect(res.errors![0]!.extensions!.currentVersion).not.toBe(version);
    }
    expect(writes(proxy())).toHaveLength(0);
  });

  it('with ifVersion the patch carries test operations, and a change made in between is refused by the vendor', async () => {
    const { id, version } = await create(vendor);
    proxy().reset();
    // Between the gateway's read and its write, someone renames the client directly at the vendor.
    proxy().behave('PATCH', async () => {
      const { url, secret } = sandbox.services[vendor.service];
      const auth = vendor.service === 'identitynow' ? `Bearer ${secret}` : secret;
      const contentType = vendor.service === 'identitynow' ? 'application/json-patch+json' : 'application/json';
      const direct = await fetch(`${new URL(url).origin}${vendor.path(id)}`, {
        method: 'PATCH',
        headers: { authorization: auth, 'content-type': contentType },
        body: JSON.stringify([{ op: 'replace', path: '/name', value: 'Changed elsewhere' }]),
      });
      expect(direct.status).toBe(200);
      return 'forward';
    });
    const res = await gateway.gql(
      `mutation { ${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Mine" }], ifVersion: "${version}") { name } }`,
    );
    const sent = JSON.parse(writes(proxy())[0]!.body) as Array<{ op: string; path: string }>;
    expect(sent[0]!.op).toBe('test');
    // The vendor refused the patch (its test failed); the gateway read the client again to say why.
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', upstream: { service: vendor.service, status: 400 } });
    expect(res.errors![0]!.extensions!.currentVersion).not.toBe(version);
    const now = await gateway.gql(`{ ${vendor.get}(id: "${id}") { name } }`);
    expect(now.data[vendor.get].name).toBe('Changed elsewhere');
  });

  it('a write the vendor applies before the answer hangs: APPLIED, and it is not sent again', async () => {
    const { id } = await create(vendor);
    proxy().reset();
    proxy().behave('PATCH', 'forwardThenHang');
    const res = await gateway.gql(
      `mutation { ${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Applied" }]) { name } }`,
    );
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'APPLIED' });
    expect(res.errors![0]!.message).toContain('the change was applied; do not send it again');
    expect(writes(proxy())).toHaveLength(1);
  });

  it('a write that hangs before it is applied: NOT_APPLIED', async () => {
    const { id, version } = await create(vendor);
    proxy().reset();
    proxy().behave('PATCH', 'hang');
    const res = await gateway.gql(
      `mutation { ${vendor.patch}(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Never" }], ifVersion: "${version}") { name } }`,
    );
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'NOT_APPLIED' });
    expect(res.errors![0]!.message).toContain('it is safe to send it again');
    expect(writes(proxy())).toHaveLength(1);
  });

  it('a delete applied before the answer hangs: APPLIED (the read-back finds nothing)', async () => {
    const { id } = await create(vendor);
    proxy().reset();
    proxy().behave('DELETE', 'forwardThenHang');
    const res = await gateway.gql(`mutation { ${vendor.remove}(id: "${id}") { id } }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'APPLIED' });
    expect(writes(proxy())).toHaveLength(1);
  });

  it('a create in doubt is UNKNOWN: the vendor offers no key to find it by', async () => {
    proxy().behave('POST', 'hang');
    const res = await gateway.gql(`mutation { ${vendor.create}(input: ${vendor.createInput}) { secret } }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'UNKNOWN' });
    expect(writes(proxy())).toHaveLength(1);
  });
});

// LaunchDarkly's description may be absent, and RFC 6902 fails a whole patch that replaces or
// removes an absent member: the typed update must hold whether or not the client has one.
describe('launchdarkly: a typed update of a description the client may not have', () => {
  const proxy = () => proxies.launchdarkly!;
  const fields = 'id name description';
  const bare = async () => {
    const res = await gateway.gql(
      `mutation { createLaunchDarklyOAuthClient(input: { name: "No description", redirectUri: "https://bare.example.com/cb" }) { client { ${fields} } } }`,
    );
    expect(res.data.createLaunchDarklyOAuthClient.client.description).toBeNull();
    return res.data.createLaunchDarklyOAuthClient.client.id as string;
  };

  it('sets a description on a client that has none', async () => {
    const id = await bare();
    const res = await gateway.gql(
      `mutation { updateLaunchDarklyOAuthClient(id: "${id}", input: { description: "Now described" }) { ${fields} } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.updateLaunchDarklyOAuthClient).toMatchObject({ id, description: 'Now described' });
    const read = await gateway.gql(`{ launchDarklyOAuthClient(id: "${id}") { description } }`);
    expect(read.data.launchDarklyOAuthClient.description).toBe('Now described');
  });

  it('a null description on a client that has none changes the rest, and the plan shows no description change', async () => {
    const id = await bare();
    const plan = await gateway.gql(
      `mutation { plan { updateLaunchDarklyOAuthClient(id: "${id}", input: { name: "Renamed", description: null }) { changes { field before after } } } }`,
    );
    expect(plan.errors).toBeUndefined();
    expect(plan.data.plan.updateLaunchDarklyOAuthClient.changes).toEqual([{ field: 'name', before: 'No description', after: 'Renamed' }]);
    const res = await gateway.gql(
      `mutation { updateLaunchDarklyOAuthClient(id: "${id}", input: { name: "Renamed", description: null }) { ${fields} } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.updateLaunchDarklyOAuthClient).toEqual({ id, name: 'Renamed', description: null });
  });

  it('a null description in doubt is APPLIED when the read-back finds it gone', async () => {
    const id = await bare();
    await gateway.gql(`mutation { updateLaunchDarklyOAuthClient(id: "${id}", input: { description: "To be cleared" }) { id } }`);
    proxy().reset();
    proxy().behave('PATCH', 'forwardThenHang');
    const res = await gateway.gql(`mutation { updateLaunchDarklyOAuthClient(id: "${id}", input: { description: null }) { id } }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'APPLIED' });
    expect(writes(proxy())).toHaveLength(1);
  });
});
