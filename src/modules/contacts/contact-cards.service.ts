import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { AppError, badInput, conflict, ErrorCode, errorMessage, notFound } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import type { Contributions } from '../../contributions';
import { recordedEventsHooks, recordEvent, withEvents, type EventServices, type NewOrgEvent } from '../../realtime/events';
import { Member, MemberStatus } from '../members/member.entity';
import { Org } from '../orgs/org.entity';
import { User } from '../accounts/user.entity';
import { Contact, ContactSource } from './contact.entity';
import { ContactCard, ContactCardLink } from './contact-card.entity';
import { contactCardToken, contactCardUrl, hashContactCardToken } from './contact-card-token';
import { contactEvent, ContactEventType } from './contact-events';
import { claimContactKeys, contactKeys, DuplicateContact } from './contact-fields';
import { pgArray } from './contact-visibility';
import { rethrowDuplicate } from './contacts.service';
import { renderQrCode, type QrCode, type QrCodeFormat } from '../common/qr-code';
import { ContactCardVia, type ContactCardConnection, type ContactCardLinkView } from './contacts.inputs';

/**
 * Contact cards [002]: a member's personal link (and QR code) that a person opens to connect. Connecting makes the
 * person a CONNECTED contact of the member, and the member a CONNECTED contact of the person in each org the person
 * is an active member of. The link is also recorded on the person's side (`contact_card_links`), so it is kept when
 * they are in no org yet: `materializeContactCardLinks` turns it into contacts once they join one.
 */

/** The card's link, or null when the server secret changed since it was made (the card no longer works). */
export function contactCardLink(card: ContactCard, { config }: Pick<AppServices, 'config'>): string | null {
  const token = contactCardToken(config.jwtSecret, card.id);
  return hashContactCardToken(token) === card.tokenHash ? contactCardUrl(config.publicUrl, token) : null;
}

/** The caller's working card, if any. */
export async function myContactCard(em: EntityManager, viewer: Viewer, services: Pick<AppServices, 'config'>): Promise<ContactCard | null> {
  const { member } = viewer.requireMember();
  const card = await em.findOne(ContactCard, { orgId: member.orgId, memberId: member.id, revokedAt: null });
  return card && contactCardLink(card, services) ? card : null;
}

/** A new card for the caller; the previous one stops working (links already handed out die with it). */
export async function createContactCard(em: EntityManager, viewer: Viewer, { config }: Pick<AppServices, 'config'>): Promise<ContactCard> {
  const { member } = viewer.requireMember();
  return em.transactional(async (tx) => {
    await tx.nativeUpdate(ContactCard, { memberId: member.id, revokedAt: null }, { revokedAt: new Date() });
    const card = tx.create(ContactCard, { orgId: member.orgId, memberId: member.id, tokenHash: '' });
    card.tokenHash = hashContactCardToken(contactCardToken(config.jwtSecret, card.id));
    await tx.flush();
    return card;
  });
}

export async function revokeContactCard(em: EntityManager, viewer: Viewer): Promise<boolean> {
  const { member } = viewer.requireMember();
  return (await em.nativeUpdate(ContactCard, { memberId: member.id, revokedAt: null }, { revokedAt: new Date() })) > 0;
}

/** The caller's card link as a QR code. */
export async function contactCardQrCode(em: EntityManager, viewer: Viewer, format: QrCodeFormat, services: Pick<AppServices, 'config'>): Promise<QrCode> {
  const card = await myContactCard(em, viewer, services);
  const url = card && contactCardLink(card, services);
  if (!url) throw notFound('ContactCard');
  return renderQrCode(url, format);
}

interface Person {
  userId: string;
  name: string;
  phones: string[];
  email: string | null;
  company?: string | null;
  title?: string | null;
}

/** Logs a change event in the transaction at hand (contacts of several orgs may change in one). */
type LogChange = (event: NewOrgEvent) => Promise<unknown>;

/**
 * Makes `person` a contact of org `orgId` connected with `memberId`: the org's existing contact for them (linked to
 * the user, or holding one of their phones or their email: duplicates are avoided [001]) gains the connection
 * (CONTACT_UPDATED when it changed); otherwise a PRIVATE contact owned by `memberId` is created (CONTACT_CREATED).
 */
async function ensureConnectedContact(
  tx: EntityManager,
  orgId: string,
  memberId: string,
  person: Person,
  source: ContactSource,
  log: LogChange,
): Promise<Contact> {
  const keys = contactKeys({ phones: person.phones, email: person.email, linkedUserId: person.userId });
  const [held] = await tx.execute<Array<{ contact_id: string }>>(
    `select contact_id from contact_keys where org_id = ? and key = any(?::text[]) order by (key like 'u:%') desc, key limit 1`,
    [orgId, pgArray(keys)],
  );
  if (held) {
    const contact = await tx.findOneOrFail(Contact, { id: held.contact_id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (contact.linkedUserId && contact.linkedUserId !== person.userId) {
      throw conflict(errorMessage('contactLinkedWithAnother'));
    }
    const changedFields: string[] = [];
    if (!contact.linkedUserId) {
      contact.linkedUserId = person.userId;
      await claimContactKeys(tx, orgId, contact.id, [`u:${person.userId}`]);
      changedFields.push('state');
    }
    if (!contact.connectedMemberIds.includes(memberId)) {
      contact.connectedMemberIds = [...contact.connectedMemberIds, memberId];
      changedFields.push('connectedMembers');
    }
    await tx.flush();
    if (changedFields.length) await log(contactEvent(ContactEventType.UPDATED, contact, { changedFields }));
    return contact;
  }
  const contact = tx.create(Contact, {
    orgId,
    ownerId: memberId,
    name: person.name.slice(0, 100),
    phones: person.phones,
    email: person.email,
    company: person.company?.slice(0, 200) ?? null,
    title: person.title?.slice(0, 100) ?? null,
    source,
    linkedUserId: person.userId,
    connectedMemberIds: [memberId],
  });
  await tx.flush();
  await claimContactKeys(tx, orgId, contact.id, keys);
  await log(contactEvent(ContactEventType.CREATED, contact, { details: { source } }));
  return contact;
}

function personOfUser(user: User): Person {
  return {
    userId: user.id,
    name: user.name,
    phones: user.phone && user.phoneVerifiedAt ? [user.phone] : [],
    email: user.email && user.emailVerifiedAt ? user.email : null,
  };
}

function personOfMember(member: Member, org: Org): Person {
  return { userId: member.userId!, name: member.name, phones: member.phone ? [member.phone] : [], email: member.email, company: org.name, title: member.title };
}

/** The card member as a connected contact in each org where `userId` is an active member (but not the card's own org). */
async function mirrorCardMember(tx: EntityManager, log: LogChange, userId: string, cardMember: Member, cardOrg: Org, source: ContactSource, onlyOrgId?: string) {
  const memberships = await tx.find(Member, {
    userId,
    status: MemberStatus.ACTIVE,
    orgId: onlyOrgId ? onlyOrgId : { $ne: cardOrg.id },
  });
  const mirrors: Contact[] = [];
  for (const membership of memberships.filter((m) => m.orgId !== cardOrg.id)) {
    mirrors.push(await ensureConnectedContact(tx, membership.orgId, membership.id, personOfMember(cardMember, cardOrg), source, log));
  }
  return { memberships, mirrors };
}

/**
 * A signed-in user opens a member's card [002]: the user becomes a CONNECTED contact of that member, and the member
 * a CONNECTED contact of the user in every org the user is an active member of. Unknown, revoked and rotated cards
 * answer NOT_FOUND alike. Members of the same org are colleagues, not external contacts: BAD_USER_INPUT.
 */
export async function connectViaContactCard(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  token: string,
  via: ContactCardVia,
  services: EventServices,
): Promise<ContactCardConnection> {
  const user = viewer.requireUser();
  const source = via === ContactCardVia.QR ? ContactSource.QR : ContactSource.CARD_LINK;
  const card = token.length <= 200 ? await em.findOne(ContactCard, { tokenHash: hashContactCardToken(token.trim()), revokedAt: null }) : null;
  const cardMember = card && (await em.findOne(Member, { id: card.memberId, orgId: card.orgId, status: MemberStatus.ACTIVE }));
  const cardOrg = cardMember && cardMember.userId && (await em.findOne(Org, { id: cardMember.orgId }));
  if (!card || !cardMember || !cardOrg) throw notFound('ContactCard');
  if (cardMember.userId === user.id) throw badInput(errorMessage('ownContactCard'), 'token');
  const colleague = await em.count(Member, { orgId: cardOrg.id, userId: user.id, status: MemberStatus.ACTIVE });
  if (colleague) throw badInput(errorMessage('colleaguesAlready'), 'token');

  return withEvents(em, services, async (tx, emit) => {
    await ensureConnectedContact(tx, cardOrg.id, cardMember.id, personOfUser(await tx.findOneOrFail(User, { id: user.id })), source, emit);
    await tx.execute(
      `insert into contact_card_links (user_id, member_id, org_id, via) values (?, ?, ?, ?) on conflict (user_id, member_id) do nothing`,
      [user.id, cardMember.id, cardOrg.id, via],
    );
    const { memberships, mirrors } = await mirrorCardMember(tx, emit, user.id, cardMember, cardOrg, source);
    const current = memberships.findIndex((m) => m.orgId === viewer.org?.id);
    return { memberName: cardMember.name, orgName: cardOrg.name, contact: current >= 0 ? mirrors[current]! : null, orgsLinked: mirrors.length };
  }).catch((error) => rethrowDuplicate(viewer, loaders, error));
}

/** The members the signed-in user connected with through contact cards, newest first. */
export async function myContactCardLinks(em: EntityManager, viewer: Viewer): Promise<ContactCardLinkView[]> {
  const user = viewer.requireUser();
  const rows = await em.execute<Array<{ member_name: string; org_name: string; created_at: Date }>>(
    `select m.name as member_name, o.name as org_name, l.created_at from contact_card_links l
       join members m on m.id = l.member_id join orgs o on o.id = l.org_id
      where l.user_id = ? order by l.created_at desc`,
    [user.id],
  );
  return rows.map((row) => ({ memberName: row.member_name, orgName: row.org_name, connectedAt: new Date(row.created_at) }));
}

/**
 * Joining an org (registered with `onMemberActivated`: invitation acceptance, createOrg, an enterprise account, being
 * enabled again): inside that transaction, once `userId` is an ACTIVE member of `orgId`, the members they connected
 * with before through contact cards appear among their contacts there as CONNECTED contacts. Each link is mirrored in
 * its own savepoint: one that cannot be (the org already links that phone or email with another person) is skipped,
 * never a reason to refuse the join. The contacts' change events are logged in that savepoint too (published by the
 * log read the join's own event triggers). Returns how many links were mirrored.
 */
export async function materializeContactCardLinks(tx: EntityManager, contributions: Contributions, userId: string, orgId: string): Promise<number> {
  const links = await tx.find(ContactCardLink, { userId, orgId: { $ne: orgId } }, { orderBy: { createdAt: 'asc' } });
  let mirrored = 0;
  for (const link of links) {
    const cardMember = await tx.findOne(Member, { id: link.memberId, status: MemberStatus.ACTIVE });
    const cardOrg = cardMember?.userId ? await tx.findOne(Org, { id: cardMember.orgId }) : null;
    if (!cardMember || !cardOrg) continue;
    const source = link.via === 'QR' ? ContactSource.QR : ContactSource.CARD_LINK;
    try {
      await tx.transactional((inner) => mirrorCardMember(inner, (event) => recordEvent(inner, contributions.of(recordedEventsHooks), event), userId, cardMember, cardOrg, source, orgId));
      mirrored++;
    } catch (error) {
      if (!(error instanceof DuplicateContact) && !(error instanceof AppError && error.extensions.code === ErrorCode.Conflict)) throw error;
    }
  }
  return mirrored;
}
