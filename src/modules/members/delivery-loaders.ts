import type { EntityManager } from '@mikro-orm/postgresql';
import type { SubscriberAccess, SubscriberDirectory } from '../../auth/subscribers';
import type { RoleGrant, Viewer, ViewerUser } from '../../auth/viewer';
import type { MemberStatus } from '../../auth/vocabulary';
import type { Orm } from '../../db/orm';
import { scalarValues } from '../../db/plain-rows';
import type { EventHub } from '../../realtime/event-hub';
import { EventTopic, type ReceivedEvent } from '../../realtime/events';
import { FreshLoader, orgKey, splitKey } from '../../realtime/fresh-loader';
import { User } from '../accounts/user.entity';
import { Department } from '../departments/department.entity';
import { Member } from './member.entity';
import { loadViewers } from './viewers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The process's `SubscriberDirectory` (see `auth/subscribers.ts`): viewers, accesses and accounts, fresh and batched. */
export function createSubscriberDirectory(orm: Orm): SubscriberDirectory {
  const viewers = new FreshLoader<Viewer | null>(async (keys) => {
    const loaded = await loadViewers(
      orm.em.fork(),
      keys.map((key) => {
        const { orgId, id } = splitKey(key);
        return { orgId, userId: id };
      }),
    );
    return new Map(keys.map((key, index) => [key, loaded[index]!]));
  }, null);
  const accesses = loadAccesses(orm);
  const users = new FreshLoader<ViewerUser | null>(async (ids) => {
    const em = orm.em.fork();
    const found = await em.find(User, { id: { $in: ids } });
    return new Map(found.map((user) => [user.id, scalarValues(em, User, user) as unknown as ViewerUser]));
  }, null);
  return {
    viewer: (userId, orgId, notBefore) => viewers.load(orgKey(orgId, userId), notBefore),
    access: (userId, orgId, notBefore) => accesses.load(orgKey(orgId, userId), notBefore),
    accesses: (userIds, orgId, notBefore) => {
      const keys: string[] = [];
      for (const userId of userIds) keys.push(orgKey(orgId, userId));
      return accesses.loadMany(keys, notBefore).then((lookup) => (userId: string) => lookup(orgKey(orgId, userId)));
    },
    user: (userId, notBefore) => users.load(userId, notBefore),
  };
}

/**
 * Grants parsed once per distinct JSON value, across loads: a subscriber whose grants did not change gets the same
 * array at every event, so its visibility class (kept on the array) and its viewer are reused. Never mutated.
 */
const parsedGrants = new Map<string, RoleGrant[]>();

function loadAccesses(orm: Orm): FreshLoader<SubscriberAccess | null> {
  return new FreshLoader(async (keys) => {
    const wanted = keys.map(splitKey);
    // One statement for every subscriber an event reaches: membership, account and grants (with the paths of their
    // scope departments). Grants come as JSON text, parsed once per distinct value: most subscribers share a role,
    // and share the parsed grants too (which also lets their visibility class be computed once).
    const rows = await orm.em.fork().getConnection().execute<Array<{ key: string; member_id: string; status: MemberStatus; must_change_password: boolean; grants: string }>>(
      `select m.org_id || ':' || m.user_id as key, m.id as member_id, m.status, u.must_change_password,
              coalesce((select json_agg(json_build_object(
                         'roleId', mr.role_id, 'builtin', r.builtin, 'permissions', r.permissions,
                         'scopeDepartmentIds', mr.scope_department_ids,
                         'scopePaths', coalesce((select array_agg(d.path) from departments d
                                                  where d.org_id = mr.org_id
                                                    and d.id::text in (select jsonb_array_elements_text(mr.scope_department_ids))), '{}'))
                         order by mr.created_at)
                          from member_roles mr join roles r on r.id = mr.role_id
                         where mr.member_id = m.id), '[]')::text as grants
         from members m join users u on u.id = m.user_id
        where m.user_id = any(array[?]::uuid[]) and m.org_id = any(array[?]::uuid[])`,
      [[...new Set(wanted.map((key) => key.id))], [...new Set(wanted.map((key) => key.orgId))]],
    );
    const parsed = parsedGrants;
    if (parsed.size > 10_000) parsed.clear();
    return new Map(
      rows.map((row) => {
        let grants = parsed.get(row.grants);
        if (!grants) parsed.set(row.grants, (grants = JSON.parse(row.grants) as RoleGrant[]));
        return [row.key, { memberId: row.member_id, status: row.status, mustChangePassword: row.must_change_password, grants }];
      }),
    );
  }, null);
}

/** Rows of `entity` of their orgs by `orgId:id` key. */
export async function findOrgOwned<T extends { id: string; orgId: string }>(em: EntityManager, entity: new (...args: never[]) => T, keys: string[]): Promise<Map<string, T>> {
  const wanted = keys.map(splitKey);
  const rows = (await em.find(entity as never, {
    id: { $in: [...new Set(wanted.map((key) => key.id))] },
    orgId: { $in: [...new Set(wanted.map((key) => key.orgId))] },
  } as never)) as T[];
  return new Map(rows.map((row) => [orgKey(row.orgId, row.id), row]));
}

/** A raw id of an event's payload. */
export function payloadId(event: ReceivedEvent, key: string): string | null {
  const value = event.payload[key];
  return typeof value === 'string' && UUID.test(value) ? value : null;
}

/** The members and department paths that events' fields and filters show, as they are now (see `FreshLoader`). */
export class MemberDeliveries {
  private readonly members: FreshLoader<Member | null>;
  private readonly departmentPaths: FreshLoader<string | null>;

  constructor(orm: Orm) {
    this.members = new FreshLoader((keys) => findOrgOwned(orm.em.fork(), Member, keys), null);
    this.departmentPaths = new FreshLoader(async (keys) => {
      const found = await findOrgOwned(orm.em.fork(), Department, keys);
      return new Map([...found].map(([key, department]) => [key, department.path]));
    }, null);
  }

  member(orgId: string, id: string, notBefore: number): Promise<Member | null> {
    return this.members.load(orgKey(orgId, id), notBefore);
  }

  /** Materialised paths of the org's departments; unknown (deleted) departments are left out. */
  async pathsOf(orgId: string, departmentIds: string[], notBefore: number): Promise<string[]> {
    if (departmentIds.length === 0) return [];
    const paths = await Promise.all(departmentIds.map((id) => this.departmentPaths.load(orgKey(orgId, id), notBefore)));
    return paths.filter((path): path is string => typeof path === 'string');
  }

  /**
   * Starts loading the member an event's fields will show (of a MEMBER event; the new member of an INVITATION event)
   * as it reaches this process, so the load runs alongside the subscribers' access re-checks instead of after them.
   */
  prefetch(event: ReceivedEvent): void {
    const memberId = payloadId(event, 'memberId');
    const wanted = event.topic === EventTopic.MEMBER ? event.type !== 'REMOVED' && event.type !== 'OFFBOARDED' : event.topic === EventTopic.INVITATION;
    if (memberId && wanted) this.member(event.orgId, memberId, event.receivedAt).catch(() => undefined);
  }
}

const deliveriesOf = new WeakMap<EventHub, MemberDeliveries>();

/** This process's `MemberDeliveries` (one per event hub, made when first asked for). */
export function memberDeliveries(app: { orm: Orm; realtime: EventHub }): MemberDeliveries {
  let deliveries = deliveriesOf.get(app.realtime);
  if (!deliveries) {
    const created = new MemberDeliveries(app.orm);
    app.realtime.onEventArriving((event) => created.prefetch(event));
    deliveriesOf.set(app.realtime, (deliveries = created));
  }
  return deliveries;
}
