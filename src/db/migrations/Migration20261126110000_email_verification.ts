import { Migration } from '@mikro-orm/migrations';

/** Verification codes also go to email addresses (`requestEmailVerification`): a code names its phone or its email. */
export class Migration20261126110000_email_verification extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table verification_codes alter column phone drop not null;
alter table verification_codes add column email text;
alter table verification_codes add constraint verification_codes_target check ((phone is null) <> (email is null));
`);
  }
}
