import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/relay';
import { BulkImport, ImportKind } from './bulk-import.entity';

export { MemberImportError, MemberImportIssue, MemberImportStatus } from './bulk-import.entity';

@ObjectType({ description: 'Counts of a bulk import. rows = created + skipped + failed.' })
export class MemberImportSummary {
  @Field(() => Int, { description: 'Data rows read (the header and blank lines not counted).' })
  rows!: number;

  @Field(() => Int, { description: 'People added (PENDING members with a PENDING invitation); in a dry run, who would be.' })
  created!: number;

  @Field(() => Int, { description: 'Rows naming someone already invited, already a member, or listed earlier in the file.' })
  skipped!: number;

  @Field(() => Int, { description: 'Rows refused: invalid values, unknown or forbidden departments and roles, quota.' })
  failed!: number;

  @Field(() => Int, { description: 'Departments created for paths of the file (createDepartments=true).' })
  departmentsCreated!: number;
}

/** One bulk import of people (`POST /imports`). */
@Entity({ discriminatorValue: ImportKind.MEMBERS })
@ObjectType({ implements: Node, description: 'A bulk import of people from CSV (`POST /imports`).' })
export class MemberImport extends BulkImport {
  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'Whether unknown department paths were created.' })
  createDepartments!: boolean;

  @Property({ type: 'integer' })
  departmentsCreated: Opt<number> = 0;

  @Field(() => MemberImportSummary, { description: 'Counts of the rows read, imported, skipped and refused.' })
  get summary(): Opt<MemberImportSummary> {
    return {
      rows: this.rowCount,
      created: this.createdCount,
      skipped: this.skippedCount,
      failed: this.failedCount,
      departmentsCreated: this.departmentsCreated,
    };
  }
}
