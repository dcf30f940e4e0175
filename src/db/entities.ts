import { LogInAttempt } from '../modules/accounts/login-attempt.entity';
import { User } from '../modules/accounts/user.entity';
import { VerificationCode } from '../modules/accounts/verification-code.entity';
import { ApiClient } from '../modules/api-clients/api-client.entity';
import { AuditEntry } from '../modules/audit/audit-entry.entity';
import { Contact } from '../modules/contacts/contact.entity';
import { ContactCard, ContactCardLink } from '../modules/contacts/contact-card.entity';
import { ContactGroup, ContactGroupItem } from '../modules/contacts/contact-group.entity';
import { ContactInteraction } from '../modules/contacts/contact-interaction.entity';
import { ExternalGroup, ExternalGroupParticipant } from '../modules/contacts/external-group.entity';
import { FollowUp } from '../modules/contacts/follow-up.entity';
import { Tag, TagGroup } from '../modules/contacts/tag.entity';
import { Department } from '../modules/departments/department.entity';
import { BulkImport } from '../modules/imports/bulk-import.entity';
import { ContactImport } from '../modules/imports/contact-import.entity';
import { MemberImport } from '../modules/imports/member-import.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { MemberDepartment } from '../modules/members/member-department.entity';
import { Member } from '../modules/members/member.entity';
import { OffboardingRecord } from '../modules/members/offboarding-record.entity';
import { Notification } from '../modules/notifications/notification.entity';
import { Org } from '../modules/orgs/org.entity';
import { OutboxMessage } from '../modules/outbox/outbox-message.entity';
import { MemberRole } from '../modules/roles/member-role.entity';
import { RoleGroup } from '../modules/roles/role-group.entity';
import { Role } from '../modules/roles/role.entity';

export const entities = [
  User, VerificationCode, LogInAttempt, Org, Department, Member, MemberDepartment, OffboardingRecord,
  Role, RoleGroup, MemberRole, AuditEntry, OutboxMessage, Invitation, BulkImport, MemberImport, ContactImport, ApiClient,
  Contact, TagGroup, Tag, ContactGroup, ContactGroupItem, ContactInteraction, ContactCard, ContactCardLink, ExternalGroup, ExternalGroupParticipant, FollowUp,
  Notification,
];
