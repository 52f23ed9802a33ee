import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  /** The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `"4"`) or integer (such as `4`) input value will be accepted as an ID. */
  ID: { input: string; output: string; }
  /** The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text. */
  String: { input: string; output: string; }
  /** The `Boolean` scalar type represents `true` or `false`. */
  Boolean: { input: boolean; output: boolean; }
  /** The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1. */
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date and time as an ISO 8601 string, e.g. 2024-05-01T12:00:00.000Z. */
  DateTime: { input: string; output: string; }
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
  _Any: { input: Record<string, unknown>; output: Record<string, unknown>; }
};

/** Only the events that match every field given. */
export type AuditEventFilter = {
  /** Events of this caller (the label AuditEvent.caller shows). */
  caller?: InputMaybe<Scalars['String']['input']>;
  outcome?: InputMaybe<AuditOutcome>;
  /** Events of this resource. */
  resourceId?: InputMaybe<Scalars['String']['input']>;
  /** Events of these upstreams. */
  services?: InputMaybe<Array<UpstreamService>>;
  /** Events at or after this time. */
  since?: InputMaybe<Scalars['DateTime']['input']>;
  /** Events before this time. */
  until?: InputMaybe<Scalars['DateTime']['input']>;
};

/** What became of a write. */
export type AuditOutcome =
  /** The upstream made the change. */
  | 'APPLIED'
  /** The upstream refused it, or it provably did not apply. */
  | 'FAILED'
  /** The gateway's own checks refused it; nothing was sent. */
  | 'REFUSED'
  /** The gateway does not know: the upstream did not answer in time, the connection broke once it was sent, or the gateway stopped before it learned (completedAt null). Read the resource to know. */
  | 'UNKNOWN';

/** How a source sends its client credentials to the provider's token endpoint: HTTP Basic (basic_auth) or in the body (post_body). */
export type AuthentikAuthorizationCodeAuthMethod =
  | 'BASIC_AUTH'
  | 'POST_BODY';

/** Confidential clients can keep their credentials secret; public clients cannot. */
export type AuthentikClientType =
  | 'CONFIDENTIAL'
  | 'PUBLIC';

/** How the source decides whether an existing group is used or a new one created. */
export type AuthentikGroupMatchingMode =
  | 'IDENTIFIER'
  | 'NAME_DENY'
  | 'NAME_LINK';

/** How the issuer field of the ID token is filled. */
export type AuthentikIssuerMode =
  | 'GLOBAL'
  | 'PER_PROVIDER';

/** How the provider tells the application of a logout: server to server (backchannel), or through the browser (frontchannel). */
export type AuthentikLogoutMethod =
  | 'BACKCHANNEL'
  | 'FRONTCHANNEL';

/** The PKCE method a source uses when authorizing at its provider. */
export type AuthentikPkceMethod =
  | 'NONE'
  | 'PLAIN'
  | 'S256';

export type AuthentikPolicyEngineMode =
  | 'ALL'
  | 'ANY';

/** The kind of OAuth source. */
export type AuthentikProviderType =
  | 'APPLE'
  | 'AZUREAD'
  | 'DISCORD'
  /** Only in authentik 2025.8 and later. */
  | 'ENTRAID'
  | 'FACEBOOK'
  | 'GITHUB'
  | 'GITLAB'
  | 'GOOGLE'
  | 'MAILCOW'
  | 'OKTA'
  | 'OPENIDCONNECT'
  | 'PATREON'
  | 'REDDIT'
  /** Only in authentik 2025.12 and later. */
  | 'SLACK'
  | 'TWITCH'
  | 'TWITTER'
  /** Only in authentik 2025.12 and later. */
  | 'WECHAT';

/** One allowed redirect URI, and how it is compared. */
export type AuthentikRedirectUriInput = {
  matchingMode: AuthentikRedirectUriMatchingMode;
  /** The URL (STRICT), or a regular expression the whole URL must match (REGEX). */
  url: Scalars['String']['input'];
};

/** How a redirect URI rule is compared: STRICT for the exact URL, REGEX for a regular expression the whole URL must match. */
export type AuthentikRedirectUriMatchingMode =
  | 'REGEX'
  | 'STRICT';

/** What data is used as the unique user identifier (sub). */
export type AuthentikSubMode =
  | 'HASHED_USER_ID'
  | 'USER_EMAIL'
  | 'USER_ID'
  | 'USER_UPN'
  | 'USER_USERNAME'
  | 'USER_UUID';

/** How the source decides whether an existing user is authenticated or a new one enrolled. */
export type AuthentikUserMatchingMode =
  | 'EMAIL_DENY'
  | 'EMAIL_LINK'
  | 'IDENTIFIER'
  | 'USERNAME_DENY'
  | 'USERNAME_LINK';

/** A new LaunchDarkly OAuth 2.0 client (oauthClientPost). */
export type CreateLaunchDarklyOAuthClientInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** An absolute URL, https as LaunchDarkly asks. */
  redirectUri: Scalars['String']['input'];
};

/** A new authentik OAuth2 provider (OAuth2ProviderRequest). The fields the server's release requires must be given (invalidationFlow from authentik 2024.10, redirect URIs from 2024.8.5 and 2024.10.3); a field it does not have is refused. */
export type CreateOAuth2ProviderInput = {
  /** Access codes not valid on or after now + this. Format: hours=1;minutes=2;seconds=3. */
  accessCodeValidity?: InputMaybe<Scalars['String']['input']>;
  /** Tokens not valid on or after now + this. Format: hours=1;minutes=2;seconds=3. */
  accessTokenValidity?: InputMaybe<Scalars['String']['input']>;
  /** Flow (UUID) used for authentication when the application is accessed by an unauthenticated user. */
  authenticationFlow?: InputMaybe<Scalars['String']['input']>;
  /** Flow (UUID) used when authorizing this provider. */
  authorizationFlow: Scalars['String']['input'];
  clientId?: InputMaybe<Scalars['String']['input']>;
  /** Never readable through the gateway. */
  clientSecret?: InputMaybe<Scalars['String']['input']>;
  clientType?: InputMaybe<AuthentikClientType>;
  /** Key (UUID) used to encrypt the tokens. Only in authentik 2024.10 and later (refused on others). */
  encryptionKey?: InputMaybe<Scalars['String']['input']>;
  includeClaimsInIdToken?: InputMaybe<Scalars['Boolean']['input']>;
  /** Flow (UUID) used when logging out of this provider. Only in authentik 2024.10 and later (refused on others). */
  invalidationFlow?: InputMaybe<Scalars['String']['input']>;
  issuerMode?: InputMaybe<AuthentikIssuerMode>;
  /** Sources (UUIDs) whose JWKs may sign JWTs used to authenticate. Only in authentik before 2024.12 (refused on others). */
  jwksSources?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Providers (ids) whose JWTs may be used to authenticate. Only in authentik 2024.12 and later (refused on others). */
  jwtFederationProviders?: InputMaybe<Array<Scalars['Int']['input']>>;
  /** Sources (UUIDs) whose JWKs may sign JWTs used to authenticate. Only in authentik 2024.12 and later (refused on others). */
  jwtFederationSources?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Only in authentik 2025.10 and later (refused on others). */
  logoutMethod?: InputMaybe<AuthentikLogoutMethod>;
  /** Where the provider sends logout notifications; "" for none. Only in authentik 2025.10 and later (refused on others). */
  logoutUri?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  propertyMappings?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The allowed redirect URIs, replacing all of them. Written as they are on authentik 2024.8.5, 2024.10.3 and later; on releases that keep one string, as its lines, where each rule must be what authentik upgrades that line to: STRICT for any URL without whitespace or line breaks except * and .*, REGEX for exactly * or .*; other rules are refused. */
  redirectUriRules?: InputMaybe<Array<AuthentikRedirectUriInput>>;
  /**
   * Allowed redirect URIs, one per line (authentik 2024.8). On a release with redirect URI rules, each line is written as authentik upgraded it: a REGEX rule for exactly * or .*, a STRICT rule otherwise, the line kept as it is.
   * @deprecated Use redirectUriRules, which every authentik release takes.
   */
  redirectUris?: InputMaybe<Scalars['String']['input']>;
  /** When refreshing a token valid for less than this, a new refresh token is issued; seconds=0 always renews. Format: hours=1;minutes=2;seconds=3. Only in authentik 2025.10 and later (refused on others). */
  refreshTokenThreshold?: InputMaybe<Scalars['String']['input']>;
  /** Refresh tokens not valid on or after now + this. Format: hours=1;minutes=2;seconds=3. */
  refreshTokenValidity?: InputMaybe<Scalars['String']['input']>;
  /** Key (UUID) used to sign the tokens. */
  signingKey?: InputMaybe<Scalars['String']['input']>;
  subMode?: InputMaybe<AuthentikSubMode>;
};

/** A new IdentityNow API client (CreateOAuthClientRequest). name and description must be given, and may be null. */
export type CreateOAuthClientInput = {
  accessTokenValiditySeconds: Scalars['Int']['input'];
  accessType: IdentityNowAccessType;
  /** The name of the business the API client belongs to. */
  businessName?: InputMaybe<Scalars['String']['input']>;
  claimsSupported?: InputMaybe<Scalars['Boolean']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  enabled: Scalars['Boolean']['input'];
  grantTypes?: InputMaybe<Array<IdentityNowGrantType>>;
  homepageUrl?: InputMaybe<Scalars['String']['input']>;
  internal?: InputMaybe<Scalars['Boolean']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  /** Required, with at least one URI, with the AUTHORIZATION_CODE grant type. */
  redirectUris?: InputMaybe<Array<Scalars['String']['input']>>;
  refreshTokenValiditySeconds?: InputMaybe<Scalars['Int']['input']>;
  /** Without one, IdentityNow gives the client sp:scopes:all: every right of its owner. */
  scope?: InputMaybe<Array<Scalars['String']['input']>>;
  strongAuthSupported?: InputMaybe<Scalars['Boolean']['input']>;
  type?: InputMaybe<IdentityNowClientType>;
};

/** A new authentik OAuth source (OAuthSourceRequest). A field or value the server's release does not have is refused. */
export type CreateOAuthSourceInput = {
  /** URL authentik uses to retrieve tokens. */
  accessTokenUrl?: InputMaybe<Scalars['String']['input']>;
  additionalScopes?: InputMaybe<Scalars['String']['input']>;
  /** Flow (UUID) used when authenticating existing users. */
  authenticationFlow?: InputMaybe<Scalars['String']['input']>;
  /** How the client credentials are sent to the token endpoint. Only in authentik 2025.4 and later (refused on others). */
  authorizationCodeAuthMethod?: InputMaybe<AuthentikAuthorizationCodeAuthMethod>;
  /** URL the user is redirected to to consent. */
  authorizationUrl?: InputMaybe<Scalars['String']['input']>;
  consumerKey: Scalars['String']['input'];
  /** Write-only: never returned. */
  consumerSecret: Scalars['String']['input'];
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  /** Flow (UUID) used when enrolling new users. */
  enrollmentFlow?: InputMaybe<Scalars['String']['input']>;
  groupMatchingMode?: InputMaybe<AuthentikGroupMatchingMode>;
  groupPropertyMappings?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The icon: a file name in authentik's media, or a URL; "" for the default. Only in authentik 2025.12 and later (refused on others). */
  icon?: InputMaybe<Scalars['String']['input']>;
  /** Source's display name. */
  name: Scalars['String']['input'];
  oidcJwks?: InputMaybe<Scalars['JSON']['input']>;
  oidcJwksUrl?: InputMaybe<Scalars['String']['input']>;
  oidcWellKnownUrl?: InputMaybe<Scalars['String']['input']>;
  /** The PKCE method used when authorizing at the provider. Only in authentik 2025.10 and later (refused on others). */
  pkce?: InputMaybe<AuthentikPkceMethod>;
  policyEngineMode?: InputMaybe<AuthentikPolicyEngineMode>;
  /** URL authentik uses to get user information. */
  profileUrl?: InputMaybe<Scalars['String']['input']>;
  /** Shown prominently on the login page. Only in authentik 2025.12 and later (refused on others). */
  promoted?: InputMaybe<Scalars['Boolean']['input']>;
  providerType: AuthentikProviderType;
  /** URL used to request the initial token (OAuth 1 only). */
  requestTokenUrl?: InputMaybe<Scalars['String']['input']>;
  /** Internal source name, used in URLs. Changing it moves the source to the new slug. */
  slug: Scalars['String']['input'];
  userMatchingMode?: InputMaybe<AuthentikUserMatchingMode>;
  userPathTemplate?: InputMaybe<Scalars['String']['input']>;
  userPropertyMappings?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Online or offline use. */
export type IdentityNowAccessType =
  | 'OFFLINE'
  | 'ONLINE';

/** Public or confidential. */
export type IdentityNowClientType =
  | 'CONFIDENTIAL'
  | 'PUBLIC';

/** OAuth2 grant type. */
export type IdentityNowGrantType =
  | 'AUTHORIZATION_CODE'
  | 'CLIENT_CREDENTIALS'
  | 'REFRESH_TOKEN';

/** An RFC 6902 operation. */
export type JsonPatchOp =
  | 'ADD'
  | 'COPY'
  | 'MOVE'
  | 'REMOVE'
  | 'REPLACE'
  | 'TEST';

/** One RFC 6902 JSON Patch operation. `path` and `from` are JSON Pointers into the upstream resource as its vendor documents it (e.g. /description, /redirectUris/0). */
export type JsonPatchOperation = {
  /** Source pointer; required for MOVE and COPY. */
  from?: InputMaybe<Scalars['String']['input']>;
  op: JsonPatchOp;
  path: Scalars['String']['input'];
  /** Required for ADD, REPLACE and TEST; may be null where the field is nullable. */
  value?: InputMaybe<Scalars['JSON']['input']>;
};

/** Only the applications that match every field given. */
export type OAuthApplicationFilter = {
  /** Whose name contains this text, ignoring case. */
  nameContains?: InputMaybe<Scalars['String']['input']>;
  /** That can redirect to this host: "app.example.com" (on any port), "app.example.com:8443" (on that port only; a URL that names no port is on its scheme's default, 443 for https), or "*.example.com" (every host under example.com, at any depth, not example.com itself). Case, IDNs (Unicode or punycode) and a trailing dot do not matter. A regular expression matches when some URL it accepts can have that host (one that lets ".*" or "[^/]+" run across the host can have any host); an application without any redirect URI set matches every host when its vendor saves the first one it is sent. */
  redirectHost?: InputMaybe<Scalars['String']['input']>;
  /** That accept this redirect URL: equal to one of theirs once both are normalised (WHATWG URL: scheme and host in lower case, IDNs in punycode, default port and host's trailing dot left out), or matched by one of their regular expressions. */
  redirectUrl?: InputMaybe<Scalars['String']['input']>;
  /** Of these vendors only; each is read even when not configured (then an UPSTREAM_NOT_CONFIGURED error says so). */
  services?: InputMaybe<Array<UpstreamService>>;
};

/** The fields of a LaunchDarkly OAuth client to change, as a JSON Patch: a value replaces the member (the description is added, since it may be absent); a null description is removed, whether or not the client has one. */
export type UpdateLaunchDarklyOAuthClientInput = {
  /** null removes it. */
  description?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  redirectUri?: InputMaybe<Scalars['String']['input']>;
};

/** The fields of an authentik OAuth2 provider to change; only the fields given are sent. null clears a nullable field. A field the server's authentik release does not have is refused, naming the field and the release. */
export type UpdateOAuth2ProviderInput = {
  /** Access codes not valid on or after now + this. Format: hours=1;minutes=2;seconds=3. */
  accessCodeValidity?: InputMaybe<Scalars['String']['input']>;
  /** Tokens not valid on or after now + this. Format: hours=1;minutes=2;seconds=3. */
  accessTokenValidity?: InputMaybe<Scalars['String']['input']>;
  /** Flow (UUID) used for authentication when the application is accessed by an unauthenticated user. */
  authenticationFlow?: InputMaybe<Scalars['String']['input']>;
  /** Flow (UUID) used when authorizing this provider. */
  authorizationFlow?: InputMaybe<Scalars['String']['input']>;
  clientId?: InputMaybe<Scalars['String']['input']>;
  /** Never readable through the gateway. */
  clientSecret?: InputMaybe<Scalars['String']['input']>;
  clientType?: InputMaybe<AuthentikClientType>;
  /** Key (UUID) used to encrypt the tokens. Only in authentik 2024.10 and later (refused on others). */
  encryptionKey?: InputMaybe<Scalars['String']['input']>;
  includeClaimsInIdToken?: InputMaybe<Scalars['Boolean']['input']>;
  /** Flow (UUID) used when logging out of this provider. Only in authentik 2024.10 and later (refused on others). */
  invalidationFlow?: InputMaybe<Scalars['String']['input']>;
  issuerMode?: InputMaybe<AuthentikIssuerMode>;
  /** Sources (UUIDs) whose JWKs may sign JWTs used to authenticate. Only in authentik before 2024.12 (refused on others). */
  jwksSources?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Providers (ids) whose JWTs may be used to authenticate. Only in authentik 2024.12 and later (refused on others). */
  jwtFederationProviders?: InputMaybe<Array<Scalars['Int']['input']>>;
  /** Sources (UUIDs) whose JWKs may sign JWTs used to authenticate. Only in authentik 2024.12 and later (refused on others). */
  jwtFederationSources?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Only in authentik 2025.10 and later (refused on others). */
  logoutMethod?: InputMaybe<AuthentikLogoutMethod>;
  /** Where the provider sends logout notifications; "" for none. Only in authentik 2025.10 and later (refused on others). */
  logoutUri?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  propertyMappings?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The allowed redirect URIs, replacing all of them. Written as they are on authentik 2024.8.5, 2024.10.3 and later; on releases that keep one string, as its lines, where each rule must be what authentik upgrades that line to: STRICT for any URL without whitespace or line breaks except * and .*, REGEX for exactly * or .*; other rules are refused. */
  redirectUriRules?: InputMaybe<Array<AuthentikRedirectUriInput>>;
  /**
   * Allowed redirect URIs, one per line (authentik 2024.8). On a release with redirect URI rules, each line is written as authentik upgraded it: a REGEX rule for exactly * or .*, a STRICT rule otherwise, the line kept as it is.
   * @deprecated Use redirectUriRules, which every authentik release takes.
   */
  redirectUris?: InputMaybe<Scalars['String']['input']>;
  /** When refreshing a token valid for less than this, a new refresh token is issued; seconds=0 always renews. Format: hours=1;minutes=2;seconds=3. Only in authentik 2025.10 and later (refused on others). */
  refreshTokenThreshold?: InputMaybe<Scalars['String']['input']>;
  /** Refresh tokens not valid on or after now + this. Format: hours=1;minutes=2;seconds=3. */
  refreshTokenValidity?: InputMaybe<Scalars['String']['input']>;
  /** Key (UUID) used to sign the tokens. */
  signingKey?: InputMaybe<Scalars['String']['input']>;
  subMode?: InputMaybe<AuthentikSubMode>;
};

/** The fields of an IdentityNow API client to change: each becomes a JSON Patch replace; null clears a nullable field. */
export type UpdateOAuthClientInput = {
  accessTokenValiditySeconds?: InputMaybe<Scalars['Int']['input']>;
  accessType?: InputMaybe<IdentityNowAccessType>;
  businessName?: InputMaybe<Scalars['String']['input']>;
  claimsSupported?: InputMaybe<Scalars['Boolean']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  grantTypes?: InputMaybe<Array<IdentityNowGrantType>>;
  homepageUrl?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  redirectUris?: InputMaybe<Array<Scalars['String']['input']>>;
  refreshTokenValiditySeconds?: InputMaybe<Scalars['Int']['input']>;
  strongAuthSupported?: InputMaybe<Scalars['Boolean']['input']>;
  tenant?: InputMaybe<Scalars['String']['input']>;
};

/** The fields of an authentik OAuth source to change; only the fields given are sent. null clears a nullable field. A field or value the server's authentik release does not have is refused, naming the field and the release. */
export type UpdateOAuthSourceInput = {
  /** URL authentik uses to retrieve tokens. */
  accessTokenUrl?: InputMaybe<Scalars['String']['input']>;
  additionalScopes?: InputMaybe<Scalars['String']['input']>;
  /** Flow (UUID) used when authenticating existing users. */
  authenticationFlow?: InputMaybe<Scalars['String']['input']>;
  /** How the client credentials are sent to the token endpoint. Only in authentik 2025.4 and later (refused on others). */
  authorizationCodeAuthMethod?: InputMaybe<AuthentikAuthorizationCodeAuthMethod>;
  /** URL the user is redirected to to consent. */
  authorizationUrl?: InputMaybe<Scalars['String']['input']>;
  consumerKey?: InputMaybe<Scalars['String']['input']>;
  /** Write-only: never returned. */
  consumerSecret?: InputMaybe<Scalars['String']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  /** Flow (UUID) used when enrolling new users. */
  enrollmentFlow?: InputMaybe<Scalars['String']['input']>;
  groupMatchingMode?: InputMaybe<AuthentikGroupMatchingMode>;
  groupPropertyMappings?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The icon: a file name in authentik's media, or a URL; "" for the default. Only in authentik 2025.12 and later (refused on others). */
  icon?: InputMaybe<Scalars['String']['input']>;
  /** Source's display name. */
  name?: InputMaybe<Scalars['String']['input']>;
  oidcJwks?: InputMaybe<Scalars['JSON']['input']>;
  oidcJwksUrl?: InputMaybe<Scalars['String']['input']>;
  oidcWellKnownUrl?: InputMaybe<Scalars['String']['input']>;
  /** The PKCE method used when authorizing at the provider. Only in authentik 2025.10 and later (refused on others). */
  pkce?: InputMaybe<AuthentikPkceMethod>;
  policyEngineMode?: InputMaybe<AuthentikPolicyEngineMode>;
  /** URL authentik uses to get user information. */
  profileUrl?: InputMaybe<Scalars['String']['input']>;
  /** Shown prominently on the login page. Only in authentik 2025.12 and later (refused on others). */
  promoted?: InputMaybe<Scalars['Boolean']['input']>;
  providerType?: InputMaybe<AuthentikProviderType>;
  /** URL used to request the initial token (OAuth 1 only). */
  requestTokenUrl?: InputMaybe<Scalars['String']['input']>;
  /** Internal source name, used in URLs. Changing it moves the source to the new slug. */
  slug?: InputMaybe<Scalars['String']['input']>;
  userMatchingMode?: InputMaybe<AuthentikUserMatchingMode>;
  userPathTemplate?: InputMaybe<Scalars['String']['input']>;
  userPropertyMappings?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** An upstream vendor API the gateway serves. */
export type UpstreamService =
  | 'AUTHENTIK'
  | 'IDENTITYNOW'
  | 'LAUNCHDARKLY';

export type ServiceSdlQueryVariables = Exact<{ [key: string]: never; }>;


export type ServiceSdlQuery = { __typename?: 'Query', _service: { __typename?: '_Service', sdl?: string | null } };

export type EntitiesQueryVariables = Exact<{
  representations: Array<Scalars['_Any']['input']> | Scalars['_Any']['input'];
}>;


export type EntitiesQuery = { __typename?: 'Query', _entities: Array<{ __typename: 'AuthentikOAuth2Provider', id: string, name?: string | null, clientType?: AuthentikClientType | null } | { __typename: 'AuthentikOAuthSource', slug: string, name?: string | null, providerType?: AuthentikProviderType | null } | { __typename: 'IdentityNowOAuthClient', id: string, name?: string | null, enabled?: boolean | null } | { __typename: 'LaunchDarklyOAuthClient', id: string, name?: string | null, createdAt?: string | null } | null> };


export const ServiceSdlDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ServiceSdl"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"_service"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sdl"}}]}}]}}]} as unknown as DocumentNode<ServiceSdlQuery, ServiceSdlQueryVariables>;
export const EntitiesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Entities"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"representations"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"_Any"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"_entities"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"representations"},"value":{"kind":"Variable","name":{"kind":"Name","value":"representations"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"IdentityNowOAuthClient"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LaunchDarklyOAuthClient"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthentikOAuth2Provider"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"clientType"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthentikOAuthSource"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"providerType"}}]}}]}}]}}]} as unknown as DocumentNode<EntitiesQuery, EntitiesQueryVariables>;