import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { configureLog } from '../src/log.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { startProxy, type Proxy } from './helpers/proxy.js';

// The whole life of an authentik OAuth2 provider and OAuth source on both releases the sandbox
// emulates, through a recording proxy in front of it that can hang before or after passing a write on.
const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

const FLOW = '9c8b7a6d-5e4f-4321-8fed-cba987654321';
const INVALIDATION = '0a9d4a5e-6c1b-4f3e-8d7a-2b5c9e1f4a36';
const CONSUMER_SECRET = 'consumer-secret-never-shown-41c9';

describe.each(['2024.8.1', '2026.2.0'])('authentik %s', (release) => {
  const newer = release.startsWith('2026');
  let sandbox: Sandbox;
  let proxy: Proxy;
  let gateway: RunningGateway;

  beforeAll(async () => {
    sandbox = await startSandbox(loadConfig({ SANDBOX_AUTHENTIK_VERSION: release }).vendorSettings);
    proxy = await startProxy(new URL(sandbox.services.authentik.url).origin);
    gateway = await startGateway({
      AUTHENTIK_URL: `${proxy.origin}/api/v3`,
      AUTHENTIK_TOKEN: sandbox.services.authentik.secret,
      UPSTREAM_TIMEOUT_MS: '800',
      UPSTREAM_READBACK_TIMEOUT_MS: '800',
    });
  });

  afterAll(async () => {
    await gateway.close();
    await proxy.close();
    await sandbox.close();
    expect(logLines.join('\n')).not.toContain(CONSUMER_SECRET);
  });

  beforeEach(() => proxy.reset());

  const writes = () => proxy.requests.filter((r) => r.method !== 'GET');
  const providerInput = (name: string) =>
    `{ name: "${name}", authorizationFlow: "${FLOW}"${newer ? `, invalidationFlow: "${INVALIDATION}"` : ''}, redirectUriRules: [{ matchingMode: STRICT, url: "https://${name.toLowerCase()}.example.com/cb" }] }`;

  async function createProvider(name: string): Promise<{ id: string; version: string; clientSecret: string }> {
    const res = await gateway.gql(
      `mutation { createOAuth2Provider(input: ${providerInput(name)}) { clientSecret provider { id name version redirectUriRules { url } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const { provider, clientSecret } = res.data.createOAuth2Provider;
    return { id: provider.id, version: provider.version, clientSecret };
  }

  async function createSource(slug: string): Promise<{ version: string }> {
    const res = await gateway.gql(
      `mutation { createOAuthSource(input: { name: "S ${slug}", slug: "${slug}", providerType: GITHUB, consumerKey: "key-${slug}", consumerSecret: "${CONSUMER_SECRET}" }) { slug version } }`,
    );
    expect(res.errors).toBeUndefined();
    return { version: res.data.createOAuthSource.version };
  }

  it('a provider: create with its secret shown once, read, rotate, delete, gone', async () => {
    const answer = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation { createOAuth2Provider(input: ${providerInput('Lifecycle')}) { clientSecret provider { id name clientId } } }`,
      }),
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const created = (
      (await answer.json()) as { data: { createOAuth2Provider: { clientSecret: string; provider: { id: string; name: string } } } }
    ).data.createOAuth2Provider;
    expect(created.clientSecret).toMatch(/^[A-Za-z0-9]{128}$/);
    const post = writes()[0]!;
    expect(post).toMatchObject({ method: 'POST', url: '/api/v3/providers/oauth2/' });
    // The release's own form of the redirect URIs: a string on 2024.8, rules on 2026.2.
    expect(JSON.parse(post.body).redirect_uris).toEqual(
      newer ? [{ matching_mode: 'strict', url: 'https://lifecycle.example.com/cb' }] : 'https://lifecycle.example.com/cb',
    );

    const read = await gateway.gql(`{ oauth2Provider(id: "${created.provider.id}") { id name redirectUriRules { matchingMode url } } }`);
    expect(read.data.oauth2Provider).toEqual({
      id: created.provider.id,
      name: 'Lifecycle',
      redirectUriRules: [{ matchingMode: 'STRICT', url: 'https://lifecycle.example.com/cb' }],
    });

    const rotated = await gateway.gql(
      `mutation { rotateOAuth2ProviderSecret(id: "${created.provider.id}") { clientSecret provider { id } } }`,
    );
    const secret = rotated.data.rotateOAuth2ProviderSecret.clientSecret;
    expect(secret).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(secret).not.toBe(created.clientSecret);
    expect(JSON.parse(writes().at(-1)!.body)).toEqual({ client_secret: secret });

    const deleted = await gateway.gql(`mutation { deleteOAuth2Provider(id: "${created.provider.id}") { service id } }`);
    expect(deleted.data.deleteOAuth2Provider).toEqual({ service: 'AUTHENTIK', id: created.provider.id });
    expect((await gateway.gql(`{ oauth2Provider(id: "${created.provider.id}") { id } }`)).data.oauth2Provider).toBeNull();
    const again = await gateway.gql(`mutation { deleteOAuth2Provider(id: "${created.provider.id}") { id } }`);
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: { service: 'authentik', status: 404 } });

    const log = logLines.join('\n');
    expect(log).not.toContain(created.clientSecret);
    expect(log).not.toContain(secret);
  });

  it(`a create is held to what authentik ${release} requires and has, before any call, naming the field and the release`, async () => {
    if (newer) {
      // 2026.2 requires an invalidation flow and redirect URIs.
      const res = await gateway.gql(
        `mutation { createOAuth2Provider(input: { name: "No flow", authorizationFlow: "${FLOW}" }) { clientSecret } }`,
      );
      expect(res.errors![0]!.extensions!.fieldErrors).toEqual([
        { field: 'input.invalidationFlow', messages: ['is required to create one on authentik 2026.2.'] },
        { field: 'input.redirectUriRules', messages: ['is required to create one on authentik 2026.2.'] },
      ]);
    } else {
      // 2024.8.1 has no invalidation flow at all.
      const res = await gateway.gql(
        `mutation { createOAuth2Provider(input: { name: "Flow", authorizationFlow: "${FLOW}", invalidationFlow: "${INVALIDATION}" }) { clientSecret } }`,
      );
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'invalidationFlow' }] });
      expect(res.errors![0]!.message).toContain('2024.8.1');
    }
    expect(writes()).toHaveLength(0);
  });

  it('a source: create (its consumer secret masked everywhere), JSON Patch, delete; a taken slug is refused by authentik', async () => {
    await createSource('life-src');
    const post = writes()[0]!;
    expect(JSON.parse(post.body)).toMatchObject({ slug: 'life-src', consumer_secret: CONSUMER_SECRET, provider_type: 'github' });
    const plan = await gateway.gql(
      `mutation { plan { createOAuthSource(input: { name: "P", slug: "planned", providerType: GITHUB, consumerKey: "k", consumerSecret: "${CONSUMER_SECRET}" }) { requests { body } changes { field after } } } }`,
    );
    expect(JSON.stringify(plan.data)).not.toContain(CONSUMER_SECRET);
    expect(plan.data.plan.createOAuthSource.requests[0].body.consumer_secret).toBe('[SECRET]');

    const patched = await gateway.gql(
      `mutation { patchOAuthSource(slug: "life-src", ops: [{ op: TEST, path: "/provider_type", value: "github" }, { op: REPLACE, path: "/name", value: "Renamed" }]) { slug name } }`,
    );
    expect(patched.data.patchOAuthSource).toEqual({ slug: 'life-src', name: 'Renamed' });
    // Only the member that changed is sent.
    expect(JSON.parse(writes().at(-1)!.body)).toEqual({ name: 'Renamed' });

    const taken = await gateway.gql(
      `mutation { createOAuthSource(input: { name: "Dup", slug: "life-src", providerType: GITHUB, consumerKey: "k", consumerSecret: "s-12345678" }) { slug } }`,
    );
    expect(taken.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      upstream: { status: 400 },
      fieldErrors: [{ field: 'slug' }],
    });

    const deleted = await gateway.gql('mutation { deleteOAuthSource(slug: "life-src") { service id } }');
    expect(deleted.data.deleteOAuthSource).toEqual({ service: 'AUTHENTIK', id: 'life-src' });
    expect((await gateway.gql('{ oauthSource(slug: "life-src") { slug } }')).data.oauthSource).toBeNull();
  });

  it("a JSON Patch of authentik's document: nothing sent when nothing changes; read-only members, removals and secrets refused", async () => {
    const { id } = await createProvider('Patchy');
    proxy.reset();
    const same = await gateway.gql(
      `mutation { patchOAuth2Provider(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Patchy" }]) { name } }`,
    );
    expect(same.data.patchOAuth2Provider.name).toBe('Patchy');
    for (const [ops, field] of [
      ['{ op: REPLACE, path: "/pk", value: 99 }', 'ops[0].path'],
      ['{ op: REPLACE, path: "/component", value: "x" }', 'ops[0].path'],
      ['{ op: REMOVE, path: "/name" }', 'ops[0].path'],
      ['{ op: COPY, from: "/client_secret", path: "/name" }', 'ops[0].from'],
      ['{ op: TEST, path: "/client_secret", value: "guess" }', 'ops[0].path'],
      ['{ op: REPLACE, path: "/client_type", value: "secret-ish" }', 'ops[0].value'],
    ] as const) {
      const res = await gateway.gql(`mutation { patchOAuth2Provider(id: "${id}", ops: [${ops}]) { name } }`);
      expect(res.errors![0]!.extensions, ops).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field }] });
    }
    const failedTest = await gateway.gql(
      `mutation { patchOAuth2Provider(id: "${id}", ops: [{ op: TEST, path: "/name", value: "Other" }, { op: REPLACE, path: "/name", value: "X" }]) { name } }`,
    );
    expect(failedTest.errors![0]!.extensions!.code).toBe('CONFLICT');
    expect(writes()).toHaveLength(0);
  });

  it('a stale ifVersion is CONFLICT with the current version on update, patch, delete and rotate; nothing is written', async () => {
    const { id, version } = await createProvider('Stale');
    await gateway.gql(`mutation { updateOAuth2Provider(id: "${id}", input: { name: "Moved on" }) { id } }`);
    proxy.reset();
    for (const mutation of [
      `updateOAuth2Provider(id: "${id}", input: { name: "Late" }, ifVersion: "${version}") { id }`,
      `patchOAuth2Provider(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "Late" }], ifVersion: "${version}") { id }`,
      `deleteOAuth2Provider(id: "${id}", ifVersion: "${version}") { id }`,
      `rotateOAuth2ProviderSecret(id: "${id}", ifVersion: "${version}") { clientSecret }`,
    ]) {
      const res = await gateway.gql(`mutation { ${mutation} }`);
      expect(res.errors![0]!.extensions!.code, mutation).toBe('CONFLICT');
      expect(res.errors![0]!.extensions!.currentVersion).not.toBe(version);
    }
    expect(writes()).toHaveLength(0);
    const current = (await gateway.gql(`{ oauth2Provider(id: "${id}") { version } }`)).data.oauth2Provider.version;
    const fresh = await gateway.gql(
      `mutation { updateOAuth2Provider(id: "${id}", input: { name: "On time" }, ifVersion: "${current}") { name } }`,
    );
    expect(fresh.data.updateOAuth2Provider.name).toBe('On time');
  });

  it('plans of update, patch, create, delete and rotate show the requests and the changes, and write nothing', async () => {
    const { id } = await createProvider('Planned');
    proxy.reset();
    const res = await gateway.gql(`mutation {
      plan {
        update: updateOAuth2Provider(id: "${id}", input: { clientType: PUBLIC }) { requests { method path body } before after changes { field before after } }
        patch: patchOAuth2Provider(id: "${id}", ops: [{ op: REPLACE, path: "/client_type", value: "public" }]) { requests { body } changes { field before after } }
        create: createOAuth2Provider(input: ${providerInput('Another')}) { requests { method path } before }
        remove: deleteOAuth2Provider(id: "${id}") { requests { method path } after }
        rotate: rotateOAuth2ProviderSecret(id: "${id}") { requests { body } changes { field after } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    const { update, patch, create, remove, rotate } = res.data.plan;
    expect(update.requests).toEqual([{ method: 'PATCH', path: `/providers/oauth2/${id}/`, body: { client_type: 'public' } }]);
    expect(update.changes).toEqual([{ field: 'clientType', before: 'confidential', after: 'public' }]);
    expect(patch.requests[0].body).toEqual({ client_type: 'public' });
    expect(patch.changes).toEqual(update.changes);
    expect(create).toEqual({ requests: [{ method: 'POST', path: '/providers/oauth2/' }], before: null });
    expect(remove).toEqual({ requests: [{ method: 'DELETE', path: `/providers/oauth2/${id}/` }], after: null });
    expect(rotate.requests[0].body).toEqual({ client_secret: '[SECRET]' });
    expect(rotate.changes).toEqual([{ field: 'clientSecret', after: '[SECRET]' }]);
    expect(writes()).toHaveLength(0);
  });

  it('after a timeout: an update applied before the answer hung is APPLIED; one that hung before applying, NOT_APPLIED', async () => {
    const { id, version } = await createProvider('Doubt');
    proxy.reset();
    proxy.behave('PATCH', 'forwardThenHang');
    const applied = await gateway.gql(`mutation { updateOAuth2Provider(id: "${id}", input: { name: "Applied" }) { name } }`);
    expect(applied.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'APPLIED' });
    proxy.reset();
    proxy.behave('PATCH', 'hang');
    const current = (await gateway.gql(`{ oauth2Provider(id: "${id}") { version } }`)).data.oauth2Provider.version;
    expect(current).not.toBe(version);
    const notApplied = await gateway.gql(
      `mutation { updateOAuth2Provider(id: "${id}", input: { name: "Never" }, ifVersion: "${current}") { name } }`,
    );
    expect(notApplied.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'NOT_APPLIED' });
    expect(writes()).toHaveLength(1);
  });

  it('a source create in doubt is found by its slug: APPLIED when it is there, NOT_APPLIED when not', async () => {
    proxy.behave('POST', 'forwardThenHang');
    const made = await gateway.gql(
      'mutation { createOAuthSource(input: { name: "Doubtful", slug: "doubt-made", providerType: GITLAB, consumerKey: "k", consumerSecret: "secret-5678" }) { slug } }',
    );
    expect(made.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'APPLIED' });
    proxy.reset();
    proxy.behave('POST', 'hang');
    const lost = await gateway.gql(
      'mutation { createOAuthSource(input: { name: "Lost", slug: "doubt-lost", providerType: GITLAB, consumerKey: "k", consumerSecret: "secret-5678" }) { slug } }',
    );
    expect(lost.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'NOT_APPLIED' });
    expect(writes()).toHaveLength(1);
  });
});
