import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_foundation } from './Migration20261123000000_foundation';
import { Migration20261123020000_members_email_search } from './Migration20261123020000_members_email_search';
import { Migration20261123030000_audit_filters } from './Migration20261123030000_audit_filters';
import { Migration20261123100000_events_invitations } from './Migration20261123100000_events_invitations';
import { Migration20261123110000_event_recipient_positions } from './Migration20261123110000_event_recipient_positions';
import { Migration20261123120000_invitation_delivery } from './Migration20261123120000_invitation_delivery';
import { Migration20261123130000_member_imports } from './Migration20261123130000_member_imports';
import { Migration20261123140000_org_member_count } from './Migration20261123140000_org_member_count';
import { Migration20261123150000_contacts } from './Migration20261123150000_contacts';
import { Migration20261123160000_api_clients } from './Migration20261123160000_api_clients';
import { Migration20261123170000_notifications } from './Migration20261123170000_notifications';
import { Migration20261126090000_import_kinds } from './Migration20261126090000_import_kinds';
import { Migration20261126100000_contact_follow_ups } from './Migration20261126100000_contact_follow_ups';
import { Migration20261126110000_email_verification } from './Migration20261126110000_email_verification';
import { Migration20261202090000_contacts_name_probe } from './Migration20261202090000_contacts_name_probe';
import { Migration20261210090000_outbox_retries } from './Migration20261210090000_outbox_retries';
import { Migration20261210090000_audit_public_ids } from './Migration20261210090000_audit_public_ids';
import { Migration20261210100000_import_keys_per_org } from './Migration20261210100000_import_keys_per_org';
import { Migration20261210110000_audit_summary_global_ids } from './Migration20261210110000_audit_summary_global_ids';
import { Migration20261211090000_name_search_keys } from './Migration20261211090000_name_search_keys';
import { Migration20261211100000_department_tag_name_keys } from './Migration20261211100000_department_tag_name_keys';

/** Every migration, in order. Listed explicitly so the built server and the tests load the same classes. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261123020000_members_email_search', class: Migration20261123020000_members_email_search },
  { name: 'Migration20261123030000_audit_filters', class: Migration20261123030000_audit_filters },
  { name: 'Migration20261123100000_events_invitations', class: Migration20261123100000_events_invitations },
  { name: 'Migration20261123110000_event_recipient_positions', class: Migration20261123110000_event_recipient_positions },
  { name: 'Migration20261123120000_invitation_delivery', class: Migration20261123120000_invitation_delivery },
  { name: 'Migration20261123130000_member_imports', class: Migration20261123130000_member_imports },
  { name: 'Migration20261123140000_org_member_count', class: Migration20261123140000_org_member_count },
  { name: 'Migration20261123150000_contacts', class: Migration20261123150000_contacts },
  { name: 'Migration20261123160000_api_clients', class: Migration20261123160000_api_clients },
  { name: 'Migration20261123170000_notifications', class: Migration20261123170000_notifications },
  { name: 'Migration20261126090000_import_kinds', class: Migration20261126090000_import_kinds },
  { name: 'Migration20261126100000_contact_follow_ups', class: Migration20261126100000_contact_follow_ups },
  { name: 'Migration20261126110000_email_verification', class: Migration20261126110000_email_verification },
  { name: 'Migration20261202090000_contacts_name_probe', class: Migration20261202090000_contacts_name_probe },
  { name: 'Migration20261210090000_outbox_retries', class: Migration20261210090000_outbox_retries },
  { name: 'Migration20261210090000_audit_public_ids', class: Migration20261210090000_audit_public_ids },
  { name: 'Migration20261210100000_import_keys_per_org', class: Migration20261210100000_import_keys_per_org },
  { name: 'Migration20261210110000_audit_summary_global_ids', class: Migration20261210110000_audit_summary_global_ids },
  { name: 'Migration20261211090000_name_search_keys', class: Migration20261211090000_name_search_keys },
  { name: 'Migration20261211100000_department_tag_name_keys', class: Migration20261211100000_department_tag_name_keys },
];
