import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';
import { ImportIssueCode } from './import-issue';

export enum MemberImportStatus {
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}
registerEnumType(MemberImportStatus, {
  name: 'MemberImportStatus',
  description:
    'RUNNING: the upload is being read. COMPLETED: every row was read (bad rows are in the report). ' +
    'FAILED: the upload stopped early (malformed CSV, body too large, aborted); batches committed before stay imported.',
});

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

@ObjectType({ description: 'Why an import stopped early.' })
export class MemberImportError {
  @Field(() => String, { description: 'e.g. MALFORMED_CSV, PAYLOAD_TOO_LARGE, UPLOAD_ABORTED.' })
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'One entry of an import report: a problem found on a row of the file.' })
export class MemberImportIssue {
  /** Order in the report, from 1: the keyset of `report(first, after)`. */
  seq!: number;

  @Field(() => Int, { description: 'Row in the file as a spreadsheet numbers it: the header is row 1.' })
  row!: number;

  @Field(() => String, { nullable: true, description: 'The column concerned as documented (name, phone, email, department, roles, title, employeeNo) or, for UNKNOWN_COLUMN, the header as written; null when the whole row is.' })
  column!: string | null;

  @Field(() => ImportIssueCode)
  code!: ImportIssueCode;

  @Field(() => String)
  message!: string;
}

/** One bulk import (`POST /imports`): who ran it, its options, counts and status. The report is in `member_import_issues`. */
@Entity({ tableName: 'member_imports' })
@ObjectType({ implements: Node, description: 'A bulk import of people from CSV (`POST /imports`) [003].' })
export class MemberImport extends OrgOwnedEntity {
  @Property({ type: 'uuid', nullable: true })
  createdByMemberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  createdByUserId: string | null = null;

  @Enum({ items: () => MemberImportStatus, type: 'text' })
  @Field(() => MemberImportStatus)
  status: Opt<MemberImportStatus> = MemberImportStatus.RUNNING;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'True: validated only; nothing but this record and its report was kept.' })
  dryRun!: boolean;

  @Property({ type: 'boolean' })
  @Field(() => Boolean)
  createDepartments!: boolean;

  @Property({ type: 'integer' })
  rowCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  createdCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  skippedCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  failedCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  departmentsCreated: Opt<number> = 0;

  @Property({ type: 'integer' })
  issueCount: Opt<number> = 0;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true })
  finishedAt: Date | null = null;

  @Field(() => String, { description: 'The raw uuid used by `POST /imports` (`importId`) and in IMPORT events.' })
  get importId(): Opt<string> {
    return this.id;
  }

  @Field(() => MemberImportSummary)
  get summary(): Opt<MemberImportSummary> {
    return {
      rows: this.rowCount,
      created: this.createdCount,
      skipped: this.skippedCount,
      failed: this.failedCount,
      departmentsCreated: this.departmentsCreated,
    };
  }

  @Field(() => MemberImportError, { nullable: true })
  get error(): Opt<MemberImportError> | null {
    return this.errorCode ? { code: this.errorCode, message: this.errorMessage ?? '' } : null;
  }
}
