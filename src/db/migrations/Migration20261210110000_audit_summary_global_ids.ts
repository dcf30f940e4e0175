import { Migration } from '@mikro-orm/migrations';

/**
 * Audit summaries name objects by the global ids the API shows [issue 12]; entries written before named them by raw
 * uuid. This rewrites those ids in place, key by key of the actions that wrote them (the same base64url of
 * `Type:uuid` as `toGlobalId`). Only strings that are raw uuids change, so running it again changes nothing.
 */
const REWRITES: Array<{ path: string[]; type: string; actions: string[] }> = [
  { path: ['ownerId'], type: 'Member', actions: ['contact.create', 'contact.update', 'contact.delete', 'contact.restore'] },
  { path: ['mergedIds'], type: 'Contact', actions: ['contact.merge'] },
  { path: ['contactIds'], type: 'Contact', actions: ['contact.transfer', 'contact.delete'] },
  { path: ['toMemberId'], type: 'Member', actions: ['contact.transfer'] },
  { path: ['followUpIds'], type: 'FollowUp', actions: ['contact.transfer'] },
  { path: ['from'], type: 'Member', actions: ['externalGroup.transferOwnership'] },
  { path: ['to'], type: 'Member', actions: ['externalGroup.transferOwnership'] },
  { path: ['tagIds'], type: 'Tag', actions: ['contactTagGroup.delete'] },
  { path: ['groupId'], type: 'TagGroup', actions: ['contactTag.create'] },
  { path: ['parentId'], type: 'Department', actions: ['department.create', 'department.delete'] },
  { path: ['importId'], type: 'MemberImport', actions: ['department.create'] },
  { path: ['fromParentId'], type: 'Department', actions: ['department.move'] },
  { path: ['toParentId'], type: 'Department', actions: ['department.move'] },
  { path: ['departmentIds'], type: 'Department', actions: ['member.add', 'invitation.send', 'inviteLink.create'] },
  { path: ['roleIds'], type: 'Role', actions: ['member.add', 'invitation.send', 'inviteLink.create'] },
  { path: ['managerId'], type: 'Member', actions: ['member.add'] },
  { path: ['transferredTo'], type: 'Member', actions: ['member.remove'] },
  { path: ['memberId'], type: 'Member', actions: ['invitation.send'] },
  { path: ['userId'], type: 'User', actions: ['account.createEnterprise'] },
  { path: ['audience', 'memberIds'], type: 'Member', actions: ['notification.send', 'announcement.publish'] },
  { path: ['audience', 'departmentIds'], type: 'Department', actions: ['notification.send', 'announcement.publish'] },
  { path: ['audience', 'roleIds'], type: 'Role', actions: ['notification.send', 'announcement.publish'] },
];

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The statements; `orgId` limits them to one org's entries (for the test that runs them on entries written the old way). */
export function auditSummaryGlobalIdsSql(orgId?: string): string {
  const scope = orgId ? ` and org_id = ${quote(orgId)}` : '';
  return `
create function audit_summary_global_id(type text, raw text) returns text language sql immutable as $$
  select case when raw ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    then rtrim(translate(encode(convert_to(type || ':' || raw, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')
    else raw end
$$;
create function audit_summary_global_ids(type text, value jsonb) returns jsonb language sql immutable as $$
  select case jsonb_typeof(value)
    when 'string' then to_jsonb(audit_summary_global_id(type, value #>> '{}'))
    when 'array' then (
      select coalesce(jsonb_agg(case when jsonb_typeof(e) = 'string' then to_jsonb(audit_summary_global_id(type, e #>> '{}')) else e end order by n), '[]'::jsonb)
        from jsonb_array_elements(value) with ordinality as t(e, n))
    else value end
$$;
${REWRITES.map(({ path, type, actions }) => {
  const at = quote(`{${path.join(',')}}`);
  return `update audit_entries set summary = jsonb_set(summary, ${at}, audit_summary_global_ids(${quote(type)}, summary #> ${at}))
 where action in (${actions.map(quote).join(', ')}) and summary #> ${at} is not null and summary #> ${at} <> 'null'::jsonb${scope};`;
}).join('\n')}
drop function audit_summary_global_ids(text, jsonb);
drop function audit_summary_global_id(text, text);
`;
}

export class Migration20261210110000_audit_summary_global_ids extends Migration {
  override async up(): Promise<void> {
    this.addSql(auditSummaryGlobalIdsSql());
  }
}
