import type { EntityManager } from '@mikro-orm/postgresql';
import { recordedEventsHooks, recordEvent, type RecordedEventsHook } from '../../realtime/events';
import type { MemberRemoval } from '../members/member-removal';
import type { DeliveryFailure } from '../outbox/outbox.dispatcher';
import { invitationEvent, InvitationEventType, type Emit } from './invitation-events';
import type { InvitationChannel } from './invitation.entity';

interface ChangedRow {
  id: string;
  org_id: string;
  channel: InvitationChannel;
  phone: string | null;
  email: string | null;
  department_ids: string[];
}

const RETURNING = 'returning id, org_id, channel, phone, email, department_ids';

function facts(row: ChangedRow) {
  return { id: row.id, orgId: row.org_id, channel: row.channel, phone: row.phone, email: row.email, departmentIds: row.department_ids };
}

/**
 * The outbox gave up on an invitation's message: the invitation becomes FAILED with the reason, and a FAILED event is
 * emitted. Only while it is PENDING and the message carries its current token (a resend since then supersedes it).
 */
export async function markInvitationFailed(tx: EntityManager, failure: DeliveryFailure, emit: Emit): Promise<void> {
  if (!failure.invitationId) return;
  const what = failure.channel === 'SMS' ? 'SMS' : 'email';
  const rows = await tx.execute<ChangedRow[]>(
    `update invitations
        set status = 'FAILED', failure_reason = ?, status_changed_at = now(), status_changed_by_member_id = null, status_changed_by_user_id = null
      where id = ? and status = 'PENDING'
        and last_sent_at <= (select created_at from outbox_messages where id = ?)
      ${RETURNING}`,
    [`The ${what} could not be delivered: ${failure.error}`.slice(0, 1000), failure.invitationId, failure.messageId],
  );
  for (const row of rows) await emit(invitationEvent(facts(row), InvitationEventType.FAILED));
}

/**
 * A PENDING member no longer needs their invitation (removed, or given an enterprise account by an admin): open
 * invitations are revoked, so the token dies and the phone or email is free for a new invitation. With `emit`, the
 * REVOKED events are also published after commit; given the recorded-events hooks instead, they go to the log
 * (subscribers get them on resume).
 */
export async function revokeOpenInvitationsOfMember(
  tx: EntityManager,
  member: { orgId: string; memberId: string; byMemberId?: string | null; byUserId?: string | null },
  reason: string,
  emit: Emit | readonly RecordedEventsHook[],
): Promise<void> {
  const rows = await tx.execute<ChangedRow[]>(
    `update invitations
        set status = 'REVOKED', status_changed_at = now(), status_changed_by_member_id = ?, status_changed_by_user_id = ?
      where org_id = ? and member_id = ? and status in ('PENDING', 'FAILED')
      ${RETURNING}`,
    [member.byMemberId ?? null, member.byUserId ?? null, member.orgId, member.memberId],
  );
  for (const row of rows) {
    await tx.execute(
      `update outbox_messages set status = 'FAILED', last_error = ?
        where id in (select id from outbox_messages where invitation_id = ? and status = 'PENDING' for update skip locked)`,
      [`cancelled: ${reason}`, row.id],
    );
    const event = invitationEvent(facts(row), InvitationEventType.REVOKED);
    if (typeof emit === 'function') await emit(event);
    else await recordEvent(tx, emit, event);
  }
}

export function revokeInvitationsOfRemovedMember(tx: EntityManager, removal: MemberRemoval): Promise<void> {
  return revokeOpenInvitationsOfMember(tx, removal, 'member removed', removal.app.contributions.of(recordedEventsHooks));
}
