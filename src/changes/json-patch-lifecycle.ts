import type { ArgBuilder, ObjectRef } from '@pothos/core';
import { builder, type Types } from '../builder.js';
import { badUserInput, type FieldError } from '../errors.js';
import { checkPatch, JsonPatchOperationInput, type PatchOperation, type PatchRules } from '../json-patch.js';
import { checkId } from '../path-args.js';
import type { Upstream } from '../upstream/client.js';
import { defineChange } from './define.js';
import { prepareDelete } from './delete-change.js';
import { readCreate, replaceOps, specInput, type EnumRefs, type InputSpecs } from './inputs.js';
import { preparePatch, type JsonPatchResource } from './json-patch-change.js';
import { DeletedResource, type DeletedResourceShape } from './types.js';

/**
 * The four writes of a resource whose vendor takes JSON Patch and answers a create with the secret
 * it made: the JSON Patch, the typed update that becomes one, the create,
 * the delete. The vendor folder supplies its names, its spec and its REST calls.
 */
export interface JsonPatchLifecycle<Shape> {
  /** The resource type and what descriptions call it ("client"). */
  type: ObjectRef<Types, Shape>;
  what: string;
  resource: JsonPatchResource<Shape>;
  rules: PatchRules;
  enums: EnumRefs;
  patch: { name: string; description: string };
  update: {
    name: string;
    description: string;
    input: string;
    inputDescription: string;
    fields: InputSpecs;
    check?(input: Record<string, unknown>): FieldError | undefined;
  };
  create: {
    name: string;
    description: string;
    input: string;
    inputDescription: string;
    created: string;
    fields: InputSpecs;
    operation: string;
    /** The collection's path below the API root. */
    path: string;
    /** A rule the spec states across members, and the member it is about. */
    check?(body: Record<string, unknown>): FieldError | undefined;
    send(http: Upstream, body: Record<string, unknown>): Promise<{ resource: Shape; secret: string }>;
    /** The created resource's id. */
    id(resource: Shape): string;
  };
  remove: { name: string; description: string; operation: string; send(http: Upstream, id: string): Promise<void> };
}

interface Created<Shape> {
  resource: Shape;
  secret: string;
}

export function defineJsonPatchLifecycle<Shape>(lifecycle: JsonPatchLifecycle<Shape>): void {
  const { resource, rules, type } = lifecycle;
  const { service } = resource;
  const ifVersionArg = (arg: ArgBuilder<Types>) =>
    arg.string({ description: `The version last read: the change is refused (CONFLICT) if the ${lifecycle.what} has changed since.` });

  const UpdateInput = specInput(lifecycle.update.input, lifecycle.update.inputDescription, lifecycle.update.fields, lifecycle.enums);
  const CreateInput = specInput(lifecycle.create.input, lifecycle.create.inputDescription, lifecycle.create.fields, lifecycle.enums, {
    required: true,
  });
  const CreatedType = builder.objectRef<Created<Shape>>(lifecycle.create.created).implement({
    description: `A ${lifecycle.what} just created, with its secret: shown in this answer only, never again.`,
    fields: (t) => ({
      // Generic over the resource's shape, which Pothos cannot relate to its ref's: the ref is the shape's.
      client: t.field({ type, nullable: false, resolve: (created) => created.resource as never }),
      secret: t.exposeString('secret', { nullable: false }),
    }),
  });

  defineChange<{ id: string; ops: PatchOperation[]; ifVersion?: string | null }, Shape>({
    name: lifecycle.patch.name,
    description: lifecycle.patch.description,
    service,
    operation: resource.patchOperation,
    type,
    args: (arg) => ({
      id: arg.id({ required: true }),
      ops: arg({ type: [JsonPatchOperationInput], required: true }),
      ifVersion: ifVersionArg(arg),
    }),
    resourceId: (args) => String(args.id),
    prepare: (args, ctx, io) => {
      const id = checkId(String(args.id), 'id');
      return preparePatch(resource, id, checkPatch(args.ops, rules, ctx.limits.maxPatchOps), args.ifVersion, io);
    },
  });

  defineChange<{ id: string; input: Record<string, unknown>; ifVersion?: string | null }, Shape>({
    name: lifecycle.update.name,
    description: lifecycle.update.description,
    service,
    operation: resource.patchOperation,
    type,
    args: (arg) => ({ id: arg.id({ required: true }), input: arg({ type: UpdateInput, required: true }), ifVersion: ifVersionArg(arg) }),
    resourceId: (args) => String(args.id),
    prepare: (args, ctx, io) => {
      const id = checkId(String(args.id), 'id');
      const problem = lifecycle.update.check?.(args.input);
      if (problem) throw badUserInput([problem]);
      const ops = checkPatch(replaceOps(args.input, lifecycle.update.fields, rules), rules, ctx.limits.maxPatchOps, 'input');
      return preparePatch(resource, id, ops, args.ifVersion, io, 'input');
    },
  });

  defineChange<{ input: Record<string, unknown> }, Created<Shape>>({
    name: lifecycle.create.name,
    description: lifecycle.create.description,
    service,
    operation: lifecycle.create.operation,
    type: CreatedType,
    secretAnswer: true,
    createdId: (created) => lifecycle.create.id(created.resource),
    args: (arg) => ({ input: arg({ type: CreateInput, required: true }) }),
    prepare: async (args) => {
      const { body, changes } = readCreate(
        args.input,
        lifecycle.create.fields,
        lifecycle.create.check ? { check: lifecycle.create.check } : {},
      );
      return {
        before: null,
        after: body,
        changes,
        requests: [{ method: 'POST', path: lifecycle.create.path, contentType: 'application/json', body }],
        send: (http) => lifecycle.create.send(http, body),
      };
    },
  });

  defineChange<{ id: string; ifVersion?: string | null }, DeletedResourceShape>({
    name: lifecycle.remove.name,
    description: lifecycle.remove.description,
    service,
    operation: lifecycle.remove.operation,
    type: DeletedResource,
    args: (arg) => ({ id: arg.id({ required: true }), ifVersion: ifVersionArg(arg) }),
    resourceId: (args) => String(args.id),
    prepare: (args, _ctx, io) => {
      const id = checkId(String(args.id), 'id');
      return prepareDelete({
        id,
        ifVersion: args.ifVersion,
        io,
        service,
        path: resource.path(id),
        getOperation: resource.getOperation,
        get: resource.get,
        versionOf: resource.versionOf,
        secrets: resource.secrets,
        delete: lifecycle.remove.send,
      });
    },
  });
}
