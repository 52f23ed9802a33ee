import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { Kind, type ValueNode } from 'graphql';
import type { Context } from './context.js';

export interface GatewayTypes {
  Context: Context;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: string; Output: string };
  };
}

/** The resolved Pothos types, for helpers that take Pothos builders as parameters. */
export type Types = PothosSchemaTypes.ExtendDefaultTypes<GatewayTypes>;

// Output fields are nullable unless a type says otherwise (Pothos 4's default): an upstream that
// leaves out a field, or a newer upstream version that changes one, costs that field, not the response.
// The federation plugin marks entities (@key) and adds _service/_entities; it needs the directives
// plugin to put those directives where the subgraph SDL printer reads them.
export const builder = new SchemaBuilder<GatewayTypes>({ plugins: [DirectivePlugin, FederationPlugin] });

builder.queryType({});
builder.mutationType({});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalValue(ast, variables ?? undefined),
});

builder.scalarType('DateTime', {
  description: 'A date and time as an ISO 8601 string, e.g. 2024-05-01T12:00:00.000Z.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new TypeError('DateTime must be an ISO 8601 string');
    return value;
  },
});

function literalValue(ast: ValueNode, variables: Record<string, unknown> | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((value) => literalValue(value, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      return ast.value;
  }
}
