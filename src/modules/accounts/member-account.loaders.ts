import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { LogInRecord } from './accounts.inputs';
import { User } from './user.entity';
import { executeRead } from '../../db/read-routing';

/**
 * Batched lookups behind `Member.account`: a page of members costs one query per kind of lookup.
 * Login records are limited to the org (`login_attempts.org_id`): all sign-ins of an enterprise account
 * of the org, and only the sign-ins into this org of a personal account.
 */
export function createAccountLoaders(em: EntityManager, orgId: string) {
  /** Keys are `members.user_id` of members the caller already loaded through the org-bound loaders. */
  const accountUserById = new DataLoader<string, User | null>(async (ids) => {
    const users = await em.find(User, { id: { $in: [...ids] } });
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  const lastLogInIntoOrg = new DataLoader<string, Date | null>(async (userIds) => {
    const rows: Array<{ user_id: string; at: Date }> = await executeRead(
      em,
      `select user_id, max(created_at) as at from login_attempts
        where org_id = ? and succeeded and user_id in (?) group by user_id`,
      [orgId, [...userIds]],
    );
    const byUser = new Map(rows.map((row) => [row.user_id, new Date(row.at)]));
    return userIds.map((id) => byUser.get(id) ?? null);
  });

  // One loader per page size, since the window query takes it as a parameter.
  const recordLoaders = new Map<number, DataLoader<string, LogInRecord[]>>();
  const logInRecords = (first: number) => {
    let loader = recordLoaders.get(first);
    if (!loader) {
      loader = new DataLoader<string, LogInRecord[]>(async (userIds) => {
        const rows: Array<{ user_id: string; created_at: Date; succeeded: boolean; client_address: string | null }> =
          await executeRead(
            em,
            `select user_id, created_at, succeeded, client_address from (
               select user_id, created_at, succeeded, client_address,
                      row_number() over (partition by user_id order by created_at desc, id desc) as rank
                 from login_attempts where org_id = ? and user_id in (?)
             ) ranked
             where rank <= ? order by user_id, rank`,
            [orgId, [...userIds], first],
          );
        const byUser = new Map<string, LogInRecord[]>(userIds.map((id) => [id, []]));
        for (const row of rows) {
          byUser.get(row.user_id)?.push({ at: new Date(row.created_at), succeeded: row.succeeded, clientAddress: row.client_address });
        }
        return userIds.map((id) => byUser.get(id) ?? []);
      });
      recordLoaders.set(first, loader);
    }
    return loader;
  };

  return { accountUserById, lastLogInIntoOrg, logInRecords };
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createAccountLoaders> {}
}
