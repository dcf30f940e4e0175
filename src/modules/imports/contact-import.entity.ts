import { Entity, type Opt } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/relay';
import { BulkImport, ImportKind } from './bulk-import.entity';

@ObjectType({ description: 'Counts of a contact import. rows = created + skipped + failed.' })
export class ContactImportSummary {
  @Field(() => Int, { description: 'Data rows read (the header and blank lines not counted).' })
  rows!: number;

  @Field(() => Int, { description: 'Contacts added (source IMPORT); in a dry run, how many would be.' })
  created!: number;

  @Field(() => Int, { description: 'Rows whose phone or email is already a contact of the org (CONTACT_EXISTS) or an earlier row of the file.' })
  skipped!: number;

  @Field(() => Int, { description: 'Rows refused: invalid values, limits, unknown tags, owners or visibility.' })
  failed!: number;
}

/** One bulk import of external contacts (`POST /imports/contacts`). */
@Entity({ discriminatorValue: ImportKind.CONTACTS })
@ObjectType({ implements: Node, description: 'A bulk import of external contacts from CSV (`POST /imports/contacts`).' })
export class ContactImport extends BulkImport {
  @Field(() => ContactImportSummary, { description: 'Counts of the rows read, imported, skipped and refused.' })
  get summary(): Opt<ContactImportSummary> {
    return { rows: this.rowCount, created: this.createdCount, skipped: this.skippedCount, failed: this.failedCount };
  }
}
