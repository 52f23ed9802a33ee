import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { apiRootBefore, startPrism, type ApiRoot, type Prism } from './helpers/prism.js';

// The gateway against Prism mocks of authentik's two documents (read from ../shared/upstream-specs
// at test time): every member and enum value of each release's Patched*Request is accepted by
// that release's mock (Prism validates each request against the document, answering 400 when it
// does not fit), every other field and value of the GraphQL inputs is refused by the gateway
// naming the release, and every member of each release's responses comes back.

type Schema = Record<string, any>;
const SPECS = new URL('../../shared/upstream-specs/', import.meta.url);

function load(file: string): { path: string; version: string; schemas: Record<string, Schema> } {
  const url = new URL(file, SPECS);
  const document = parse(readFileSync(url, 'utf8'));
  return { path: fileURLToPath(url), version: document.info.version, schemas: document.components.schemas };
}

const RELEASES = [
  // 2024.8 named by AUTHENTIK_API_VERSION; 2026.2 told by the gateway itself, from the document's own version.
  { name: '2024.8', spec: load('authentik-2024.8.1.openapi.yaml'), named: true },
  { name: '2026.2', spec: load('authentik-2026.2.openapi.yaml'), named: false },
] as const;

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const enumName = (value: string) => value.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
const UUID = '046b6c7f-0b8a-43b9-b35d-6489e6daee91';

// What the documents type as plain strings but authentik narrows (the gateway checks those formats).
const AUTHENTIK_FORMATS: Record<string, unknown> = {
  access_code_validity: 'minutes=1',
  access_token_validity: 'minutes=5',
  refresh_token_validity: 'days=30',
  refresh_token_threshold: 'seconds=0',
  logout_uri: 'https://app.example.com/logout',
  slug: 'corporate-sso',
};

function resolve(schemas: Record<string, Schema>, property: Schema): Schema {
  const ref: string | undefined = property.$ref ?? property.allOf?.[0]?.$ref;
  return ref ? resolve(schemas, schemas[ref.split('/').at(-1)!]!) : property;
}

/** Values of one member that its document allows: each enum value, or one value of its type. */
function samples(schemas: Record<string, Schema>, member: string, property: Schema): unknown[] {
  const schema = resolve(schemas, property);
  if (schema.enum) return schema.enum;
  if (member in AUTHENTIK_FORMATS) return [AUTHENTIK_FORMATS[member]];
  switch (schema.type) {
    case 'string':
      return [schema.format === 'uuid' ? UUID : schema.format === 'uri' ? 'https://app.example.com/x' : 'value'];
    case 'boolean':
      return [true, false];
    case 'integer':
      return [1];
    case 'array': {
      const items = resolve(schemas, schema.items);
      if (items.properties?.matching_mode) {
        return resolve(schemas, items.properties.matching_mode).enum.map((mode: string) => [
          { matching_mode: mode, url: mode === 'regex' ? '.*' : 'https://app.example.com/cb' },
        ]);
      }
      return [[samples(schemas, member, items)[0]]];
    }
    default:
      // object, or any JSON (oidc_jwks)
      return [{ keys: [] }];
  }
}

/** The GraphQL input field and value for one member's value. */
function toInput(schemas: Record<string, Schema>, member: string, property: Schema, value: unknown): [string, unknown] {
  if (member === 'redirect_uris') {
    return Array.isArray(value)
      ? [
          'redirectUriRules',
          value.map((rule: { matching_mode: string; url: string }) => ({ matchingMode: enumName(rule.matching_mode), url: rule.url })),
        ]
      : ['redirectUris', value];
  }
  return [camelCase(member), resolve(schemas, property).enum ? enumName(value as string) : value];
}

const RESOURCES = [
  {
    name: 'OAuth2Provider',
    input: 'UpdateOAuth2ProviderInput',
    mutation: `mutation ($input: UpdateOAuth2ProviderInput!) { updateOAuth2Provider(id: "6", input: $input) { id } }`,
    get: (selection: string) => `{ oauth2Provider(id: "6") { ${selection} } }`,
  },
  {
    name: 'OAuthSource',
    input: 'UpdateOAuthSourceInput',
    mutation: `mutation ($input: UpdateOAuthSourceInput!) { updateOAuthSource(slug: "github", input: $input) { slug } }`,
    get: (selection: string) => `{ oauthSource(slug: "github") { ${selection} } }`,
  },
] as const;

// Response members read through another name or as an object; client_secret is never readable.
const READ_AS: Record<string, string> = {
  pk: 'id',
  redirect_uris: 'redirectUriRules { matchingMode url }',
  type: 'type { name verboseName urlsCustomizable requestTokenUrl authorizationUrl accessTokenUrl profileUrl oidcWellKnownUrl oidcJwksUrl }',
  icon_themed_urls: 'iconThemedUrls { light dark }',
};
const NEVER_READ = ['client_secret'];

/** Every member of the other document too, for the fields and values this release lacks. */
function union(name: string): Record<string, { schemas: Record<string, Schema>; property: Schema }> {
  const members: Record<string, { schemas: Record<string, Schema>; property: Schema }> = {};
  for (const { spec } of RELEASES) {
    for (const [member, property] of Object.entries(spec.schemas[`Patched${name}Request`]!.properties as Record<string, Schema>)) {
      members[member] ??= { schemas: spec.schemas, property };
    }
  }
  return members;
}

describe.each(RELEASES)('authentik $name: the gateway against a Prism mock of its document', ({ name, spec, named }) => {
  let prism: Prism;
  let root: ApiRoot;
  let gateway: RunningGateway;
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    prism = await startPrism(spec.path);
    root = await apiRootBefore(prism, named ? undefined : spec.version);
    gateway = await startGateway({
      AUTHENTIK_URL: root.url,
      AUTHENTIK_TOKEN: 'prism-accepts-any-bearer-token',
      ...(named ? { AUTHENTIK_API_VERSION: spec.version } : {}),
      // Each case is one request; Prism may take its time generating answers.
      UPSTREAM_TIMEOUT_MS: '10000',
    });
  }, 60_000);

  afterAll(async () => {
    console.log(`authentik ${name} against Prism: ${JSON.stringify(counts)}`);
    await gateway?.close();
    await root?.close();
    await prism?.close();
  });

  /** The input type's fields, each with the values of its enum (none for other types). */
  async function inputFields(type: string): Promise<Array<{ name: string; enumValues: string[] }>> {
    const res = await gateway.gql(
      `query ($type: String!) { __type(name: $type) { inputFields(includeDeprecated: true) { name type { ...T ofType { ...T ofType { ...T ofType { ...T } } } } } } } fragment T on __Type { kind name enumValues { name } }`,
      { type },
    );
    expect(res.errors).toBeUndefined();
    type Ref = { kind: string; name: string | null; enumValues: Array<{ name: string }> | null; ofType?: Ref };
    const named = (ref: Ref): Ref => (ref.ofType ? named(ref.ofType) : ref);
    return (res.data.__type.inputFields as Array<{ name: string; type: Ref }>).map((field) => ({
      name: field.name,
      enumValues: (named(field.type).enumValues ?? []).map((value) => value.name),
    }));
  }

  it('the mock refuses a body its document does not allow, so an accepted one fits it', async () => {
    const modern = spec.schemas.PatchedOAuth2ProviderRequest!.properties.redirect_uris.type === 'array';
    const res = await fetch(`${root.url}/providers/oauth2/6/`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: modern ? 'https://app.example.com/cb' : [], client_type: 'nope' }),
    });
    expect(res.status).toBe(400);
  });

  describe.each(RESOURCES)('$name', (resource) => {
    const patched = spec.schemas[`Patched${resource.name}Request`]!.properties as Record<string, Schema>;

    it("accepts every member and enum value of the release's Patched request, sent as the document says", async () => {
      let accepted = 0;
      const fields = new Set<string>();
      for (const [member, property] of Object.entries(patched)) {
        for (const value of samples(spec.schemas, member, property)) {
          const [field, input] = toInput(spec.schemas, member, property, value);
          const before = root.exchanges.length;
          const res = await gateway.gql(resource.mutation, { input: { [field]: input } });
          expect(res.errors, `${member} = ${JSON.stringify(value)}: ${JSON.stringify(res.errors)}`).toBeUndefined();
          const sent = root.exchanges.slice(before).filter((e) => e.method === 'PATCH');
          expect(sent).toHaveLength(1);
          expect(sent[0]!.status, JSON.stringify(sent[0]!.answer)).toBe(200);
          expect(sent[0]!.body).toEqual({ [member]: value });
          accepted += 1;
          fields.add(field);
        }
      }
      // The deprecated 2024.8 string and the rules both write redirect_uris, on either release.
      if (patched.redirect_uris) {
        const other =
          patched.redirect_uris.type === 'array'
            ? { redirectUris: 'https://app.example.com/cb' }
            : { redirectUriRules: [{ matchingMode: 'STRICT', url: 'https://app.example.com/cb' }] };
        const before = root.exchanges.length;
        const res = await gateway.gql(resource.mutation, { input: other });
        expect(res.errors).toBeUndefined();
        const [sent] = root.exchanges.slice(before).filter((e) => e.method === 'PATCH');
        expect(sent!.status).toBe(200);
        expect(sent!.body).toEqual({
          redirect_uris:
            patched.redirect_uris.type === 'array'
              ? [{ matching_mode: 'strict', url: 'https://app.example.com/cb' }]
              : 'https://app.example.com/cb',
        });
        accepted += 1;
        fields.add(Object.keys(other)[0]!);
      }
      counts[`${resource.name} fields accepted`] = fields.size;
      counts[`${resource.name} values accepted`] = accepted;
    });

    it('refuses, before any call, every other field and enum value of the GraphQL input, naming the release', async () => {
      const members = union(resource.name);
      const exposed = await inputFields(resource.input);
      let refusedFields = 0;
      let refusedValues = 0;
      for (const { name: field, enumValues } of exposed) {
        const member =
          Object.keys(members).find((m) => camelCase(m) === field) ?? (field.startsWith('redirectUri') ? 'redirect_uris' : undefined);
        expect(member, field).toBeDefined();
        const own = patched[member!];
        let values: unknown[] = [];
        if (!own) {
          const { schemas, property } = members[member!]!;
          values = [toInput(schemas, member!, property, samples(schemas, member!, property)[0])[1]];
          refusedFields += 1;
        } else if (enumValues.length > 0) {
          const allowed = (resolve(spec.schemas, own).enum as string[]).map(enumName);
          values = enumValues.filter((value) => !allowed.includes(value));
          refusedValues += values.length;
        }
        for (const value of values) {
          const before = root.exchanges.length;
          const res = await gateway.gql(resource.mutation, { input: { [field]: value } });
          expect(res.errors?.[0]?.extensions, `${field} = ${JSON.stringify(value)}`).toMatchObject({
            code: 'BAD_USER_INPUT',
            fieldErrors: [{ field, messages: [expect.stringMatching(new RegExp(`authentik ${name.replace('.', '\\.')}`))] }],
          });
          expect(root.exchanges.slice(before).filter((e) => e.method === 'PATCH')).toHaveLength(0);
        }
      }
      counts[`${resource.name} fields exposed`] = exposed.length;
      counts[`${resource.name} fields refused`] = refusedFields;
      counts[`${resource.name} values refused`] = refusedValues;
      expect(exposed.length).toBe(counts[`${resource.name} fields accepted`]! + refusedFields);
    });

    it("answers every member of the release's response, none null that the mock sent", async () => {
      const properties = spec.schemas[resource.name]!.properties as Record<string, Schema>;
      const readable = Object.keys(properties).filter((member) => !NEVER_READ.includes(member));
      const selection = readable.map((member) => READ_AS[member] ?? camelCase(member)).join(' ');
      const before = root.exchanges.length;
      const res = await gateway.gql(resource.get(selection));
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const [exchange] = root.exchanges.slice(before);
      const sent = exchange!.answer as Record<string, unknown>;
      const served = Object.values(res.data as Record<string, Record<string, unknown>>)[0]!;
      let nonNull = 0;
      for (const member of readable) {
        const field = (READ_AS[member] ?? camelCase(member)).split(' ')[0]!;
        expect(Object.hasOwn(served, field), member).toBe(true);
        if (sent[member] !== null && sent[member] !== undefined) {
          expect(served[field], `${member} was sent as ${JSON.stringify(sent[member])}`).not.toBeNull();
          nonNull += 1;
        }
      }
      counts[`${resource.name} response members`] = readable.length;
      counts[`${resource.name} response members sent non-null`] = nonNull;
    });
  });
});
