import type { EntityManager } from '@mikro-orm/postgresql';

type RowMapper = (row: Record<string, unknown>) => unknown;

interface PlainShape {
  columns: Array<{ property: string; column: string; date: boolean }>;
  /** The entity's prototype under a layer of plain data properties (see below). */
  shadow: object;
}

const shapes = new WeakMap<Function, PlainShape>();
const mappers = new WeakMap<Function, RowMapper>();

function plainShape(em: EntityManager, entity: Function): PlainShape {
  let shape = shapes.get(entity);
  if (!shape) {
    const columns = em
      .getMetadata()
      .get(entity.name)
      .props.filter((prop) => prop.kind === 'scalar' && prop.persist !== false && prop.fieldNames?.length === 1)
      .map((prop) => ({ property: prop.name, column: prop.fieldNames[0]!, date: prop.runtimeType === 'Date' }));
    // MikroORM puts setters for tracked properties on the entity's prototype (a write through one builds the change
    // tracking helper); a layer of plain data properties in between lets a row's values land on the object itself.
    const shadow = Object.create(entity.prototype) as Record<string, unknown>;
    for (const { property } of columns) Object.defineProperty(shadow, property, { value: null, writable: true, enumerable: false, configurable: true });
    shapes.set(entity, (shape = { columns, shadow }));
  }
  return shape;
}

/**
 * Maps database rows to plain objects with an entity's prototype (its getters and `instanceof` work) and its
 * scalar properties, without the ORM's hydration, identity map or change tracking: for the read path of queries,
 * where nothing is flushed. A mutation must load entities through the EntityManager to change them.
 */
export function plainRowMapper<T>(em: EntityManager, entity: new () => T): (row: Record<string, unknown>) => T {
  let mapper = mappers.get(entity);
  if (!mapper) {
    const { columns, shadow } = plainShape(em, entity);
    const platform = em.getPlatform();
    mapper = (row) => {
      const plain = Object.create(shadow) as Record<string, unknown>;
      for (const { property, column, date } of columns) {
        const value = row[column] ?? null;
        // The driver leaves timestamps as text (MikroORM's type parsers); the ORM would parse them on hydration.
        plain[property] = date && typeof value === 'string' ? platform.parseDate(value) : value;
      }
      return plain;
    };
    mappers.set(entity, mapper);
  }
  return mapper as (row: Record<string, unknown>) => T;
}

/** An entity's scalar property values as a plain object: a copy that outlives the EntityManager it came from. */
export function scalarValues<T extends object>(em: EntityManager, entity: new () => T, instance: T): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const { property } of plainShape(em, entity).columns) values[property] = (instance as Record<string, unknown>)[property] ?? null;
  return values;
}

/** The plain object of `plainRowMapper` for values copied by `scalarValues` (a viewer's account, for one). */
export function plainEntity<T extends object>(em: EntityManager, entity: new () => T, values: object): T {
  return Object.assign(Object.create(plainShape(em, entity).shadow) as object, values) as T;
}
