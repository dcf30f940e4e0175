import { buildSchema, findBreakingChanges, findDangerousChanges, type BreakingChange, type DangerousChange } from 'graphql';

export interface SchemaComparison {
  /** Changes that break clients written against the released schema (a removed field, a new required argument…). */
  breaking: BreakingChange[];
  /** Changes that may change how such clients behave (a new enum value, a changed default…). */
  dangerous: DangerousChange[];
}

/** Compares the schema clients rely on (released) with the current one, with graphql-js's own rules. */
export function compareSchemas(releasedSdl: string, currentSdl: string): SchemaComparison {
  const released = buildSchema(releasedSdl);
  const current = buildSchema(currentSdl);
  return { breaking: findBreakingChanges(released, current), dangerous: findDangerousChanges(released, current) };
}
