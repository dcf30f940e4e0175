import { loadViewers, type RoleGrant, type Viewer } from '../auth/viewer';
import type { Orm } from '../db/orm';
import { User } from '../modules/accounts/user.entity';
import { Department } from '../modules/departments/department.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { Member, type MemberStatus } from '../modules/members/member.entity';
import { lastOrgEventIds } from './event-log';
import { EventTopic, type ReceivedEvent } from './events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keys are `orgId:id` so that a lookup never crosses tenants. */
function orgKey(orgId: string, id: string): string {
  return `${orgId}:${id}`;
}

function splitKey(key: string): { orgId: string; id: string } {
  const separator = key.indexOf(':');
  return { orgId: key.slice(0, separator), id: key.slice(separator + 1) };
}

const MAX_BATCH = 2000;
/** Loads older than this are dropped from memory (they would not be fresh enough for a new event anyway). */
const KEEP_MS = 5000;

/**
 * Batches lookups made in the same event-loop turn into one query, and shares a load with every caller for whom
 * it is fresh enough: a load that started at or after `notBefore` (the moment this process received the event
 * being delivered, which is after that event committed) reflects every change committed before the event. So
 * when one event reaches thousands of local subscribers, their access re-checks cost one query per kind, and a
 * burst of events that arrived before the load started shares it too; a grant revoked before an event was
 * committed is always seen when that event is delivered.
 */
export class FreshLoader<V> {
  private readonly loads = new Map<string, { startedAt: number; value: Promise<V> }>();
  private queue: Array<{ key: string; resolve: (value: V) => void; reject: (error: unknown) => void }> = [];
  private lastPrune = performance.now();

  constructor(private readonly batch: (keys: string[]) => Promise<Map<string, V>>, private readonly missing: V) {}

  load(key: string, notBefore: number): Promise<V> {
    const known = this.loads.get(key);
    if (known && known.startedAt >= notBefore) return known.value;
    const value = new Promise<V>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.dispatch());
      this.queue.push({ key, resolve, reject });
    });
    // Started now at the earliest: the query is sent when the batch is dispatched, later in this turn.
    const load = { startedAt: performance.now(), value };
    this.loads.set(key, load);
    value.catch(() => {
      if (this.loads.get(key) === load) this.loads.delete(key);
    });
    return value;
  }

  private dispatch(): void {
    const queue = this.queue;
    this.queue = [];
    this.prune();
    for (let start = 0; start < queue.length; start += MAX_BATCH) {
      const chunk = queue.slice(start, start + MAX_BATCH);
      this.batch([...new Set(chunk.map((item) => item.key))]).then(
        (found) => {
          for (const item of chunk) item.resolve(found.has(item.key) ? found.get(item.key)! : this.missing);
        },
        (error) => {
          for (const item of chunk) item.reject(error);
        },
      );
    }
  }

  private prune(): void {
    const now = performance.now();
    if (now - this.lastPrune < KEEP_MS) return;
    this.lastPrune = now;
    for (const [key, load] of this.loads) if (now - load.startedAt > KEEP_MS) this.loads.delete(key);
  }
}

/** What decides a subscriber's access, as it is now: two plain queries for a whole batch, nothing hydrated. */
export interface SubscriberAccess {
  memberId: string;
  status: MemberStatus;
  mustChangePassword: boolean;
  grants: RoleGrant[];
}

/**
 * Process-wide lookups for event delivery (see `FreshLoader`): the subscriber's current rights, and the entities
 * an event's fields show, as they are now.
 */
export class DeliveryLoaders {
  private readonly viewers: FreshLoader<Viewer | null>;
  private readonly accesses: FreshLoader<SubscriberAccess | null>;
  private readonly members: FreshLoader<Member | null>;
  private readonly invitations: FreshLoader<Invitation | null>;
  private readonly departmentPaths: FreshLoader<string | null>;
  private readonly users: FreshLoader<User | null>;
  private readonly lastEventIds: FreshLoader<number | null>;

  constructor(orm: Orm) {
    this.viewers = new FreshLoader(async (keys) => {
      const viewers = await loadViewers(
        orm.em.fork(),
        keys.map((key) => {
          const { orgId, id } = splitKey(key);
          return { orgId, userId: id };
        }),
      );
      return new Map(keys.map((key, index) => [key, viewers[index]!]));
    }, null);
    this.accesses = new FreshLoader(async (keys) => {
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
      const parsed = new Map<string, RoleGrant[]>();
      return new Map(
        rows.map((row) => {
          let grants = parsed.get(row.grants);
          if (!grants) parsed.set(row.grants, (grants = JSON.parse(row.grants) as RoleGrant[]));
          return [row.key, { memberId: row.member_id, status: row.status, mustChangePassword: row.must_change_password, grants }];
        }),
      );
    }, null);
    const findOrgOwned = async <T extends { id: string; orgId: string }>(entity: new (...args: never[]) => T, keys: string[]) => {
      const wanted = keys.map(splitKey);
      const rows = (await orm.em.fork().find(entity as never, {
        id: { $in: [...new Set(wanted.map((key) => key.id))] },
        orgId: { $in: [...new Set(wanted.map((key) => key.orgId))] },
      } as never)) as T[];
      return new Map(rows.map((row) => [orgKey(row.orgId, row.id), row]));
    };
    this.members = new FreshLoader((keys) => findOrgOwned(Member, keys), null);
    this.invitations = new FreshLoader((keys) => findOrgOwned(Invitation, keys), null);
    this.departmentPaths = new FreshLoader(async (keys) => {
      const found = await findOrgOwned(Department, keys);
      return new Map([...found].map(([key, department]) => [key, department.path]));
    }, null);
    this.lastEventIds = new FreshLoader((orgIds) => lastOrgEventIds(orm.em.fork(), orgIds), null);
    this.users = new FreshLoader(async (ids) => {
      const users = await orm.em.fork().find(User, { id: { $in: ids } });
      return new Map(users.map((user) => [user.id, user]));
    }, null);
  }

  /**
   * Starts loading the rows an event's fields will show (the member of a MEMBER event, the invitation and new member
   * of an INVITATION event) as it reaches this process, so the load runs alongside the subscribers' access re-checks
   * instead of after them; the fields' own loads (no older than the event) then find it.
   */
  prefetch(event: ReceivedEvent): void {
    const id = (key: string) => {
      const value = event.payload[key];
      return typeof value === 'string' && UUID.test(value) ? value : null;
    };
    const ignore = () => undefined;
    if (event.topic === EventTopic.MEMBER) {
      const memberId = id('memberId');
      if (memberId && event.type !== 'REMOVED') this.member(event.orgId, memberId, event.receivedAt).catch(ignore);
    } else if (event.topic === EventTopic.INVITATION) {
      const invitationId = id('invitationId');
      const memberId = id('memberId');
      if (invitationId) this.invitation(event.orgId, invitationId, event.receivedAt).catch(ignore);
      if (memberId) this.member(event.orgId, memberId, event.receivedAt).catch(ignore);
    }
  }

  /** The viewer as it is now (user, membership, grants), no older than `notBefore`; null for an unknown user. */
  viewer(userId: string, orgId: string, notBefore: number): Promise<Viewer | null> {
    return this.viewers.load(orgKey(orgId, userId), notBefore);
  }

  /** The membership, status and grants of a user in an org as they are now (no older than `notBefore`); null: not a member. */
  access(userId: string, orgId: string, notBefore: number): Promise<SubscriberAccess | null> {
    return this.accesses.load(orgKey(orgId, userId), notBefore);
  }

  member(orgId: string, id: string, notBefore: number): Promise<Member | null> {
    return this.members.load(orgKey(orgId, id), notBefore);
  }

  invitation(orgId: string, id: string, notBefore: number): Promise<Invitation | null> {
    return this.invitations.load(orgKey(orgId, id), notBefore);
  }

  /** Materialised paths of the org's departments; unknown (deleted) departments are left out. */
  async pathsOf(orgId: string, departmentIds: string[], notBefore: number): Promise<string[]> {
    if (departmentIds.length === 0) return [];
    const paths = await Promise.all(departmentIds.map((id) => this.departmentPaths.load(orgKey(orgId, id), notBefore)));
    return paths.filter((path): path is string => typeof path === 'string');
  }

  user(id: string, notBefore: number): Promise<User | null> {
    return this.users.load(id, notBefore);
  }

  /** The id of the org's newest committed event, read no earlier than `notBefore`; null for an unknown org. */
  lastEventId(orgId: string, notBefore: number): Promise<number | null> {
    return this.lastEventIds.load(orgId, notBefore);
  }
}
