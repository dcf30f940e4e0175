import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema } from '../src/graphql/schema';
import { resolvers } from '../src/modules';

/** Every described thing of the schema, by coordinate (`Type`, `Type.field`, `Type.field(arg)`, `Enum.VALUE`). */
function describables(schema: GraphQLSchema): Array<{ coordinate: string; description: string | null | undefined }> {
  const found: Array<{ coordinate: string; description: string | null | undefined }> = [];
  const types = Object.values(schema.getTypeMap()).filter(
    (type: GraphQLNamedType) => !type.name.startsWith('__') && !(isScalarType(type) && isSpecifiedScalarType(type)),
  );
  for (const type of types) {
    found.push({ coordinate: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        found.push({ coordinate: `${type.name}.${field.name}`, description: field.description });
        for (const arg of field.args) found.push({ coordinate: `${type.name}.${field.name}(${arg.name})`, description: arg.description });
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) found.push({ coordinate: `${type.name}.${field.name}`, description: field.description });
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) found.push({ coordinate: `${type.name}.${value.name}`, description: value.description });
    } else if (isUnionType(type)) {
      // A union has only its own description.
    }
  }
  for (const directive of schema.getDirectives()) {
    if (['include', 'skip', 'deprecated', 'specifiedBy', 'oneOf'].includes(directive.name)) continue;
    found.push({ coordinate: `@${directive.name}`, description: directive.description });
    for (const arg of directive.args) found.push({ coordinate: `@${directive.name}(${arg.name})`, description: arg.description });
  }
  return found;
}

describe('schema descriptions', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema(resolvers);
  });

  it('describes every type, field, argument and enum value', () => {
    const all = describables(schema);
    expect(all.length).toBeGreaterThan(1000); // the walk reaches the whole schema
    const undocumented = all.filter(({ description }) => !description?.trim()).map(({ coordinate }) => coordinate);
    expect(undocumented).toEqual([]);
  });

  it('shows no internal reference tags such as [004] in public descriptions', () => {
    const tagged = describables(schema).filter(({ description }) => /\[\d{3}\]/.test(description ?? ''));
    expect(tagged.map(({ coordinate, description }) => `${coordinate}: ${description}`)).toEqual([]);
  });
});
