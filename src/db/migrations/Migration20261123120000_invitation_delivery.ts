import { Migration } from '@mikro-orm/migrations';

/**
 * Invitations in every channel: the encrypted copy of a link's token (links are shared again and rendered as QR
 * codes; person invitations keep only the hash), a link's own lifetime (kept when it is regenerated), the times of
 * recent resends (at most 5 a day), and the invitation an outbound message belongs to, so a message the dispatcher
 * gives up on marks its invitation FAILED.
 */
export class Migration20261123120000_invitation_delivery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table invitations add column token_ciphertext text;
alter table invitations add column resent_at jsonb not null default '[]';
alter table invitations add column lifetime_seconds integer check (lifetime_seconds > 0);
alter table invitations add check ((channel = 'LINK') or token_ciphertext is null);
create index invitations_org_created on invitations (org_id, created_at desc, id desc);

alter table outbox_messages add column invitation_id uuid references invitations (id) on delete set null deferrable initially deferred;
create index outbox_messages_invitation on outbox_messages (invitation_id, id desc) where invitation_id is not null;
`);
  }
}
