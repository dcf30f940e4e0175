import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../auth/viewer';
import { plainRowMapper } from '../db/plain-rows';

/** Groups rows by a key, in the order of `keys`, as DataLoader wants. */
export function groupBy<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

/** A row as its entity: managed by `em` for mutations, a plain object for queries, which flush nothing. */
export type RowMapper = <T extends object>(entity: new () => T, row: Record<string, unknown>) => T;

/**
 * An operation's loaders (DataLoader: one query per kind of lookup, whatever the page size), each bound to the
 * viewer's org so a foreign id loads as null. Each module declares its own into this interface next to their
 * factory (`declare module`), and `src/modules.ts` lists the factories.
 */
export interface Loaders {
  mapRow: RowMapper;
}

/**
 * What a read on behalf of a viewer uses: the operation's EntityManager, the viewer and its loaders. Hooks that the
 * modules contribute for reads (node fetchers, audit target rules) take it; a GraphQL context is one.
 */
export interface Reader {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
}

/** A module's loaders for one operation, given the loaders made before it (the org graph's come first). */
export type LoaderFactory = (em: EntityManager, orgId: string, mapRow: RowMapper, made: Loaders) => object;

/** Makes an operation's loaders from the modules' factories. */
export type CreateLoaders = (em: EntityManager, orgId: string | null, options?: { plainRows?: boolean }) => Loaders;

/** What makes every operation's loaders: the factories in order, each given those made before it. */
export function loaderMaker(factories: readonly LoaderFactory[]): CreateLoaders {
  return (em, orgId, { plainRows = false } = {}) => {
    const org = orgId ?? '00000000-0000-0000-0000-000000000000';
    const mapRow: RowMapper = (entity, row) => (plainRows ? plainRowMapper(em, entity)(row) : em.map(entity, row));
    const loaders = { mapRow } as Loaders;
    for (const factory of factories) Object.assign(loaders, factory(em, org, mapRow, loaders));
    return loaders;
  };
}
