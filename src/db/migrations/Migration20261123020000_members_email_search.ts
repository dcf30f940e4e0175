import { Migration } from '@mikro-orm/migrations';

/** Exact email search in the member directory (emails are stored lower-case), next to the phone and employee-number indexes. */
export class Migration20261123020000_members_email_search extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index members_org_email on members (org_id, email) where email is not null;`);
  }
}
