import type { InputFieldBuilder, InputFieldMap } from '@pothos/core';
import { builder, type Types } from '../../builder.js';
import { schemaField, type EnumRefs } from '../../changes/inputs.js';
import { SECRET_MARKER, type FieldChange } from '../../changes/write.js';
import { badUserInput, type FieldError } from '../../errors.js';
import { checkValue, type ValueSchema } from '../../value-schema.js';
import { camelCase } from './client.js';
import { describeSpan, onlyIn, shortName, type Release, type Span } from './releases.js';
import { releasesThatDiffer, schemaAt, valueSpan, versionAt, type RequestMember, type RequestMembers } from './spec.js';
import { enumName } from '../../upstream-values.js';

/** A GraphQL input field that writes a request member in the form the server's release keeps it in. */
export interface Conversion {
  /** The GraphQL input field. */
  readonly field: string;
  /** The request member it writes. */
  readonly member: string;
  /** The member's value in release `at`, or why this input cannot be written there. */
  convert(input: unknown, at: Release): { value: unknown } | { problem: string };
}

/** What a resource's typed inputs write: its request members, some of them only through conversions. */
export interface WriteSurface {
  readonly members: RequestMembers;
  /** Members written only through these conversions, never under their own GraphQL name. */
  readonly conversions?: readonly Conversion[];
}

function converted(surface: WriteSurface): ReadonlySet<string> {
  return new Set((surface.conversions ?? []).map((c) => c.member));
}

/** The releases that have a member: from its first version's start to its last one's end. */
function spanOf(m: RequestMember): Span {
  return { since: m.versions[0]!.since, until: m.versions.at(-1)!.until };
}

/**
 * The GraphQL input type whose fields are all optional, one per request member of any release: its
 * GraphQL name is the camelCase of the member's, its type follows from the member's schema. Members
 * written through a conversion get the fields `extra` defines instead.
 */
export function partialUpdateInput(
  name: string,
  description: string,
  surface: WriteSurface,
  enums: EnumRefs,
  extra: (t: InputFieldBuilder<Types, 'InputObject'>) => InputFieldMap = () => ({}),
  options: { create?: boolean } = {},
) {
  const skip = converted(surface);
  return builder.inputType(name, {
    description,
    fields: (t) => ({
      ...Object.fromEntries(
        Object.entries(surface.members)
          .filter(([upstream]) => !skip.has(upstream))
          .map(([upstream, m]) => [
            camelCase(upstream),
            inputField(t, upstream, m, enums, options.create === true && requiredInEveryRelease(m)),
          ]),
      ),
      ...extra(t),
    }),
  });
}

/** A member every release has and every release's create request requires: non-null in a create input. */
function requiredInEveryRelease(m: RequestMember): boolean {
  const span = spanOf(m);
  return span.since === undefined && span.until === undefined && m.versions.every((version) => version.requiredOnCreate);
}

function inputField(t: InputFieldBuilder<Types, 'InputObject'>, upstream: string, m: RequestMember, enums: EnumRefs, required: boolean) {
  const note = onlyIn(spanOf(m), 'refused on others');
  const text = `${m.description ?? ''}${note}`.trim();
  const options = { required, ...(text ? { description: text } : {}) };
  // One GraphQL type for every release: the schemas of a member may differ only in their constraints.
  const kinds = new Set(m.versions.map((version) => graphqlKind(version.schema)));
  if (kinds.size !== 1) throw new Error(`${upstream} changes its GraphQL type between releases: give it a conversion`);
  return schemaField(t, m.versions[0]!.schema, options, enums);
}

function graphqlKind(schema: ValueSchema): string {
  if (schema.type === 'object' || schema.type === 'any') return 'JSON';
  if (schema.type === 'array') return `[${graphqlKind(schema.items)}]`;
  return schema.type;
}

/** GraphQL names by upstream name, for reading authentik's field errors. */
export function graphqlNames(surface: WriteSurface): Record<string, string> {
  const names: Record<string, string> = Object.fromEntries(Object.keys(surface.members).map((upstream) => [upstream, camelCase(upstream)]));
  // A converted member answers under its first conversion's name unless a request names another (PartialUpdate.fieldNames).
  for (const conversion of [...(surface.conversions ?? [])].reverse()) names[conversion.member] = conversion.field;
  return names;
}

/** A partial update as the gateway sends it. */
export interface PartialUpdate {
  /** Exactly the members the caller named, under their upstream names, in the server's form. */
  body: Record<string, unknown>;
  /** As the audit trail records them: GraphQL names, secrets masked. */
  changes: FieldChange[];
  /** GraphQL names by upstream name for this request's field errors: a converted member under the field the caller used. */
  fieldNames: Record<string, string>;
}

const FITS = '';

/** A member's check in release `at`: FITS, why the value does not fit, or undefined when `at` lacks the member. */
function outcome(m: RequestMember, value: unknown, at: Release): string | undefined {
  const version = versionAt(m, at);
  return version && (checkValue(value, schemaAt(version.schema, at)) ?? FITS);
}

/** The same sentence, saying which release it holds for. */
function inRelease(problem: string, at: Release): string {
  return `${problem.replace(/\.$/, '')} in authentik ${shortName(at)}.`;
}

function lacks(m: RequestMember, at: Release): string {
  const where = describeSpan(spanOf(m));
  return `authentik ${shortName(at)} does not have this field${where ? ` (it is in ${where})` : ''}.`;
}

/**
 * Checks a member's value before anything is sent. When every release would take it (or refuse it
 * alike), the server's release is not needed; otherwise it is asked for (`release`) and decides:
 * a member or value the release lacks is refused naming the field and the release.
 */
export async function checkMember(m: RequestMember, value: unknown, release: () => Promise<Release>): Promise<string | undefined> {
  const outcomes = new Set(releasesThatDiffer(m).map((at) => outcome(m, value, at)));
  if (outcomes.size === 1 && !outcomes.has(undefined)) {
    const [only] = outcomes;
    return only === FITS ? undefined : only;
  }
  const at = await release();
  const found = outcome(m, value, at);
  if (found === undefined) return lacks(m, at);
  if (found === FITS) return undefined;
  return valueLacked(m, value, at) ?? inRelease(found, at);
}

/** "ENTRAID is not in authentik 2024.8.1 (it is in authentik 2025.8 and later).", for a value of an enum newer than the release. */
function valueLacked(m: RequestMember, value: unknown, at: Release): string | undefined {
  const schema = versionAt(m, at)!.schema;
  const all = enumValues(schema);
  if (!all) return undefined;
  const here = enumValues(schemaAt(schema, at)) ?? [];
  const newer = (Array.isArray(value) ? value : [value]).find(
    (v): v is string => typeof v === 'string' && all.includes(v) && !here.includes(v),
  );
  if (newer === undefined) return undefined;
  const where = describeSpan(valueSpan(all, newer));
  return `${enumName(newer)} is not in authentik ${shortName(at)}${where ? ` (it is in ${where})` : ''}.`;
}

function enumValues(schema: ValueSchema): readonly string[] | undefined {
  if (schema.type === 'enum') return schema.values;
  return schema.type === 'array' && schema.items.type === 'enum' ? schema.items.values : undefined;
}

/**
 * The partial update for the caller's input: exactly the fields it named, each checked against the
 * spec of the server's release (length, pattern, enum, format, nullability) and written in the form
 * that release keeps it in. Nothing the caller named is left out: what the release cannot take is
 * refused, naming the field and the release.
 */
export async function partialUpdateBody(
  input: Record<string, unknown>,
  surface: WriteSurface,
  release: () => Promise<Release>,
): Promise<PartialUpdate> {
  const given = (field: string) => Object.hasOwn(input, field) && input[field] !== undefined;
  const skip = converted(surface);
  const fieldNames = graphqlNames(surface);
  const direct = Object.entries(surface.members)
    .filter(([upstream]) => !skip.has(upstream) && given(camelCase(upstream)))
    .map(([upstream, m]) => ({ upstream, field: camelCase(upstream), m }));
  const conversions = (surface.conversions ?? []).filter((c) => given(c.field));
  if (direct.length + conversions.length === 0) {
    throw badUserInput([{ field: 'input', messages: ['Name at least one field to change.'] }]);
  }

  const errors: FieldError[] = [];
  for (const [i, c] of conversions.entries()) {
    const other = conversions.slice(0, i).find((earlier) => earlier.member === c.member);
    if (other) errors.push({ field: c.field, messages: [`Give ${other.field} or ${c.field}, not both: they write the same ${c.member}.`] });
  }
  if (errors.length > 0) throw badUserInput(errors);

  const body: Record<string, unknown> = {};
  const changes: FieldChange[] = [];
  const problems = await Promise.all(direct.map(({ m, field }) => checkMember(m, input[field], release)));
  direct.forEach(({ upstream, field, m }, i) => {
    const problem = problems[i];
    if (problem) errors.push({ field, messages: [problem] });
    else {
      body[upstream] = input[field];
      changes.push({ field, after: m.secret ? SECRET_MARKER : input[field] });
    }
  });
  if (conversions.length > 0) {
    const at = await release();
    for (const c of conversions) {
      const m = surface.members[c.member]!;
      const result = convertIn(c, m, input[c.field], at);
      if ('problem' in result) errors.push({ field: c.field, messages: [result.problem] });
      else {
        body[c.member] = result.value;
        changes.push({ field: c.field, after: m.secret ? SECRET_MARKER : result.value });
        fieldNames[c.member] = c.field;
      }
    }
  }
  if (errors.length > 0) throw badUserInput(errors);
  return { body, changes, fieldNames };
}

/** A conversion's value for release `at`, checked against the member's schema there. */
function convertIn(c: Conversion, m: RequestMember, input: unknown, at: Release): { value: unknown } | { problem: string } {
  const version = versionAt(m, at);
  if (!version) return { problem: lacks(m, at) };
  const result = c.convert(input, at);
  if ('problem' in result) return result;
  const found = checkValue(result.value, schemaAt(version.schema, at));
  return found ? { problem: inRelease(found, at) } : result;
}
