import DataLoader from 'dataloader';
import { loadViewers, type Viewer } from '../auth/viewer';
import type { Orm } from '../db/orm';
import { User } from '../modules/accounts/user.entity';
import { Department } from '../modules/departments/department.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { Member } from '../modules/members/member.entity';

/** Keys are `orgId:id` so that a lookup never crosses tenants. */
function orgKey(orgId: string, id: string): string {
  return `${orgId}:${id}`;
}

function splitKey(key: string): { orgId: string; id: string } {
  const separator = key.indexOf(':');
  return { orgId: key.slice(0, separator), id: key.slice(separator + 1) };
}

/**
 * Process-wide lookups for event delivery. When one event reaches thousands of subscriptions of this process,
 * their access re-checks and entity loads are gathered into one batch per kind (one event-loop turn), so an event
 * costs a handful of queries whatever the number of subscribers. Nothing is cached: every batch reads fresh rows,
 * which is what lets a demoted admin stop receiving at the next event.
 */
export class DeliveryLoaders {
  private readonly viewers: DataLoader<string, Viewer>;
  private readonly members: DataLoader<string, Member | null>;
  private readonly invitations: DataLoader<string, Invitation | null>;
  private readonly departmentPaths: DataLoader<string, string | null>;
  private readonly users: DataLoader<string, User | null>;

  constructor(orm: Orm) {
    const options = { cache: false, maxBatchSize: 2000, batchScheduleFn: (run: () => void) => setImmediate(run) };
    this.viewers = new DataLoader(async (keys) => {
      const unique = [...new Set(keys)];
      const loaded = await loadViewers(
        orm.em.fork(),
        unique.map((key) => {
          const { orgId, id } = splitKey(key);
          return { orgId, userId: id };
        }),
      );
      const byKey = new Map(unique.map((key, index) => [key, loaded[index]!]));
      return keys.map((key) => byKey.get(key)!);
    }, options);
    this.members = new DataLoader((keys) => this.loadOrgOwned(orm, Member, keys), options);
    this.invitations = new DataLoader((keys) => this.loadOrgOwned(orm, Invitation, keys), options);
    this.departmentPaths = new DataLoader(
      async (keys) => (await this.loadOrgOwned(orm, Department, keys)).map((department) => department?.path ?? null),
      options,
    );
    this.users = new DataLoader(async (ids) => {
      const users = await orm.em.fork().find(User, { id: { $in: [...new Set(ids)] } });
      const byId = new Map(users.map((user) => [user.id, user]));
      return ids.map((id) => byId.get(id) ?? null);
    }, options);
  }

  private async loadOrgOwned<T extends { id: string; orgId: string }>(
    orm: Orm,
    entity: new (...args: never[]) => T,
    keys: readonly string[],
  ): Promise<Array<T | null>> {
    const wanted = keys.map(splitKey);
    const rows = (await orm.em.fork().find(entity as never, {
      id: { $in: [...new Set(wanted.map((key) => key.id))] },
      orgId: { $in: [...new Set(wanted.map((key) => key.orgId))] },
    } as never)) as T[];
    const byKey = new Map(rows.map((row) => [orgKey(row.orgId, row.id), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  }

  /** The viewer as it is now: user, membership, grants. */
  viewer(userId: string, orgId: string): Promise<Viewer> {
    return this.viewers.load(orgKey(orgId, userId));
  }

  member(orgId: string, id: string): Promise<Member | null> {
    return this.members.load(orgKey(orgId, id));
  }

  invitation(orgId: string, id: string): Promise<Invitation | null> {
    return this.invitations.load(orgKey(orgId, id));
  }

  /** Materialised paths of the org's departments; unknown (deleted) departments are left out. */
  async pathsOf(orgId: string, departmentIds: string[]): Promise<string[]> {
    if (departmentIds.length === 0) return [];
    const paths = await this.departmentPaths.loadMany(departmentIds.map((id) => orgKey(orgId, id)));
    return paths.filter((path): path is string => typeof path === 'string');
  }

  user(id: string): Promise<User | null> {
    return this.users.load(id);
  }
}
