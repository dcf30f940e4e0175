import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { badInput, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { requireText } from '../common/validate';
import type { Contact } from './contact.entity';
import { ContactInteraction } from './contact-interaction.entity';
import { contactLoaders } from './contacts.loaders';
import { CONTACT_LIMITS, type RecordInteractionInput } from './contacts.inputs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Records a call, meeting, message or note with a contact [000] [001]. Anyone who sees the contact may record what
 * they did with the person (members it is shared with too: the log is the team's); the caller is the author.
 */
export async function recordInteraction(em: EntityManager, viewer: Viewer, loaders: Loaders, input: RecordInteractionInput): Promise<ContactInteraction> {
  const { member } = viewer.requireMember();
  const summary = requireText(input.summary, 'summary', CONTACT_LIMITS.summary);
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) throw badInput(errorMessage('mustBeDateTime', { field: 'at' }), 'at');
  const contact = await contactLoaders(viewer, loaders).contactById.load(rawId(input.contactId, 'Contact'));
  if (!contact) throw notFound('Contact');
  return em.transactional(async (tx) => {
    // Lock the contact row so a concurrent delete or merge cannot leave the record on a contact that just went away.
    const [live] = await tx.execute('select id from contacts where id = ? and deleted_at is null for update', [contact.id]);
    if (!live) throw notFound('Contact');
    return tx.create(ContactInteraction, {
      orgId: member.orgId,
      contactId: contact.id,
      authorMemberId: member.id,
      authorName: member.name,
      kind: input.kind,
      at: input.at,
      summary,
    });
  });
}

/** A contact's interaction records, newest first (by `at`, then id), keyset-paged; batched across a page of contacts. */
export async function contactInteractions(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  contact: Contact,
  page: PageArgs,
): Promise<Connection<ContactInteraction>> {
  const first = checkPageSize(page.first);
  let before: [string, string] | null = null;
  if (page.after) {
    const [at, id] = decodeCursor(page.after, 2);
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !UUID.test(id)) throw badInput(errorMessage('invalidCursor'), 'after');
    before = [at, id];
  }
  const rows = await contactLoaders(viewer, loaders).interactionsPage.load({ contactId: contact.id, limit: first + 1, before });
  return toConnection(rows, first, (row) => [row.at.toISOString(), row.id], !!page.after, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>('select count(*)::int as count from contact_interactions where org_id = ? and contact_id = ?', [
      contact.orgId,
      contact.id,
    ]);
    return count;
  });
}
