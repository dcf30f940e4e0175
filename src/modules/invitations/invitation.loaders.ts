import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { Invitation } from './invitation.entity';

/** Invitations by raw id, bound to the viewer's org (a foreign id loads as null). */
export function createInvitationLoaders(em: EntityManager, orgId: string) {
  const invitationById = new DataLoader<string, Invitation | null>(async (ids) => {
    const rows = await em.find(Invitation, { orgId, id: { $in: [...ids] } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { invitationById };
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createInvitationLoaders> {}
}
