import { apiClientReadableTypes } from '../../auth/api-scopes';
import { mayReadOrgWideType } from '../../auth/policy';
import { EventTopic } from '../../realtime/events';
import { changeAudienceRules, changesOfVisibleObjects, changesReadBy, type ChangeAudienceRule } from '../changes/change-audience';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules, orgWideAuditTargets } from '../audit/audit-targets';
import { memberActivationHooks } from '../members/member-activation';
import { memberRemovalHooks } from '../members/member-removal';
import { ContactCard, ContactCardLink } from './contact-card.entity';
import { ContactGroup, ContactGroupItem } from './contact-group.entity';
import { ContactInteraction } from './contact-interaction.entity';
import { Contact } from './contact.entity';
import { ExternalGroupParticipant } from './external-group.entity';
import { FollowUp } from './follow-up.entity';
import { Tag, TagGroup } from './tag.entity';
import { ContactCardFieldsResolver, ContactCardsResolver } from './contact-cards.resolver';
import { materializeContactCardLinks, myContactCard } from './contact-cards.service';
import { ContactGroupFieldsResolver, ContactGroupsResolver } from './contact-groups.resolver';
import { TagFieldsResolver, TagGroupFieldsResolver, TagsResolver } from './contact-tags.resolver';
import { handOverOnMemberRemoval } from './contact-transfer';
import { contactsSeenInAudit } from './contact-visibility';
import { contactLoaders, createContactLoaders } from './contacts.loaders';
import { ContactFieldsResolver, ContactInteractionFieldsResolver, ContactsResolver } from './contacts.resolver';
import { ExternalGroup } from './external-group.entity';
import { ExternalGroupFieldsResolver, ExternalGroupParticipantFieldsResolver, ExternalGroupsResolver } from './external-groups.resolver';
import { externalGroupChangesSeenBy, externalGroupsSeenByViewer, viewerMaySeeExternalGroup } from './external-groups.service';
import { ContactFollowUpsFieldResolver, FollowUpFieldsResolver, FollowUpsResolver } from './follow-ups.resolver';

// For the modules being built next to this one: follow-ups and notifications (hand-over hook, visibility, locking
// a contact the caller may edit), bulk import (field rules and the duplicate keys), joining an org, the bin's purge.
export { Contact, ContactSource, ContactVisibility } from './contact.entity';
export { contactHandOverHooks, type ContactHandOver, type ContactHandOverHook } from './contact-transfer';
export { materializeContactCardLinks } from './contact-cards.service';
export { contactPurgeJob, followUpReminderJob, notifyDueFollowUps } from './contacts.jobs';
export { FollowUp, FollowUpStatus } from './follow-up.entity';
export { getContact, lockEditableContacts, purgeExpiredContacts, rethrowDuplicate } from './contacts.service';
export { contactsSeenByMember, pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
export {
  claimContactKeys,
  contactEmail,
  contactExists,
  contactKeys,
  contactName,
  contactNotes,
  contactPhones,
  DuplicateContact,
  optionalLine,
  requirePhoneOrEmail,
  resolveTagIds,
} from './contact-fields';
export { CONTACT_LIMITS } from './contacts.inputs';
export { contactEvent, ContactEventType } from './contact-events';
export { createContactLoaders };

/*
 * Partner API clients [issue 6]: `contacts:read` makes a client an org-wide reader of contacts (every live contact of
 * the org, as a role granting CONTACTS VIEW org-wide; notes stay null), `contacts:write` an org-wide editor (notes too,
 * createContact for a member it names as owner, updateContact, deleteContact). What is a person's own (contact groups,
 * cards, external groups, follow-ups, hand-over, merge, restore) stays with people. Reading the owner or a sharing
 * target (Member, Department) needs members:read / departments:read as everywhere.
 */
const API_CLIENT_TYPES = [
  'Contact',
  'ContactConnection',
  'ContactEdge',
  'ContactCapabilities',
  'ContactInteraction',
  'ContactInteractionConnection',
  'ContactInteractionEdge',
  'DeleteContactPayload',
  'Tag',
  'TagGroup',
  'FollowUp',
  'FollowUpConnection',
  'FollowUpEdge',
];

export const contactsModule = {
  entities: [Contact, TagGroup, Tag, ContactGroup, ContactGroupItem, ContactInteraction, ContactCard, ContactCardLink, ExternalGroup, ExternalGroupParticipant, FollowUp],
  resolvers: [
    ContactsResolver,
    ContactFieldsResolver,
    ContactInteractionFieldsResolver,
    TagsResolver,
    TagGroupFieldsResolver,
    TagFieldsResolver,
    ContactGroupsResolver,
    ContactGroupFieldsResolver,
    ContactCardsResolver,
    ContactCardFieldsResolver,
    ExternalGroupsResolver,
    ExternalGroupFieldsResolver,
    ExternalGroupParticipantFieldsResolver,
    FollowUpsResolver,
    ContactFollowUpsFieldResolver,
    FollowUpFieldsResolver,
  ],
  contributions: [
    contribute(
      nodeTypes,
      { type: 'Contact', fetch: (ctx, id) => contactLoaders(ctx.viewer, ctx.loaders).contactById.load(id) },
      { type: 'Tag', fetch: (ctx, id) => contactLoaders(ctx.viewer, ctx.loaders).tagById.load(id) },
      { type: 'TagGroup', fetch: (ctx, id) => contactLoaders(ctx.viewer, ctx.loaders).tagGroupById.load(id) },
      {
        type: 'ContactGroup',
        fetch: async (ctx, id) => {
          const group = await contactLoaders(ctx.viewer, ctx.loaders).contactGroupById.load(id);
          return group && group.ownerId === ctx.viewer.member?.id ? group : null;
        },
      },
      { type: 'ContactInteraction', fetch: (ctx, id) => contactLoaders(ctx.viewer, ctx.loaders).interactionById.load(id) },
      { type: 'FollowUp', fetch: (ctx, id) => contactLoaders(ctx.viewer, ctx.loaders).followUpById.load(id) },
      {
        type: 'ContactCard',
        fetch: async (ctx, id, services) => {
          const card = await myContactCard(ctx.em, ctx.viewer, services);
          return card?.id === id ? card : null;
        },
      },
      {
        type: 'ExternalGroup',
        fetch: async (ctx, id) => {
          const group = await ctx.em.findOne(ExternalGroup, { orgId: ctx.viewer.orgId, id });
          return group && (await viewerMaySeeExternalGroup(ctx.viewer, ctx.loaders, group)) ? group : null;
        },
      },
    ),
    // removeMember in TRANSFER mode hands the leaver's contacts over in its own transaction.
    contribute(memberRemovalHooks, handOverOnMemberRemoval),
    // Joining an org: the members the person connected with through contact cards become their contacts there.
    contribute(memberActivationHooks, async (tx, activation, contributions) => {
      await materializeContactCardLinks(tx, contributions, activation.userId, activation.orgId);
    }),
    // Audit entries on contacts follow the contact rule (deleted ones as if live: who saw a contact reads of its
    // deletion); on external groups, the group rule; tags are the org's shared vocabulary.
    contribute(auditTargetRules, {
      Contact: (ctx, ids) => contactsSeenInAudit(ctx.em, ctx.viewer, ids),
      ExternalGroup: (ctx, ids) => externalGroupsSeenByViewer(ctx.em, ctx.viewer, ctx.loaders, ids),
      ...orgWideAuditTargets('Tag', 'TagGroup'),
    }),
    contribute(apiClientReadableTypes, Object.fromEntries(API_CLIENT_TYPES.map((type) => [type, PermissionModule.CONTACTS]))),
    // Who receives contact changes: the object's own rule, as for audit entries (a PRIVATE contact: who may see it;
    // deleted ones as if live), a contact group's owner, an external group's members and admins over its owner (a
    // dissolved group's: its last owner and the admins over the owner's departments then).
    contribute(changeAudienceRules, {
      [EventTopic.CONTACT]: changesOfVisibleObjects((reader, ids) => contactsSeenInAudit(reader.em, reader.viewer, ids)),
      [EventTopic.TAG]: changesReadBy(({ viewer }) => mayReadOrgWideType(viewer, 'Tag')),
      [EventTopic.CONTACT_GROUP]: (({ viewer }, changes) => changes.filter(({ change }) => !!viewer.member && change.ownerId === viewer.member.id).map(({ event }) => event.id)) as ChangeAudienceRule,
      [EventTopic.EXTERNAL_GROUP]: externalGroupChangesSeenBy,
    }),
  ],
};
