import { Migration } from '@mikro-orm/migrations';

/**
 * Who created a webhook endpoint, when it was an API client (issue 13): an endpoint receives what its creator may see
 * (`orgChanges`' audience rules), and a member creator was recorded already (`created_by_member_id`). Endpoints made
 * before this take their client from the audit entry of their creation; an endpoint with neither creator receives
 * nothing (fail closed) until it is made again.
 */
export class Migration20261215060000_webhook_endpoint_creator extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table webhook_endpoints add column if not exists created_by_api_client_id uuid;
update webhook_endpoints w set created_by_api_client_id = a.actor_api_client_id
  from audit_entries a
 where a.org_id = w.org_id and a.action = 'webhookEndpoint.create' and a.target_type = 'WebhookEndpoint' and a.target_id = w.id
   and w.created_by_member_id is null and w.created_by_api_client_id is null and a.actor_api_client_id is not null;
`);
  }
}
