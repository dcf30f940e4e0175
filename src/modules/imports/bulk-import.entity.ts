import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { ImportFailureCode, importFailureCodeOf } from './import-errors';
import { ImportIssueCode } from './import-issue';

/** What a bulk import brings in: people (`POST /imports`) or external contacts (`POST /imports/contacts`). */
export enum ImportKind {
  MEMBERS = 'MEMBERS',
  CONTACTS = 'CONTACTS',
}

export enum MemberImportStatus {
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}
registerEnumType(MemberImportStatus, {
  name: 'MemberImportStatus',
  description:
    'Status of a bulk import (of people or of contacts). RUNNING: the upload is being read. COMPLETED: every row was read (bad rows are in the report). ' +
    'FAILED: the upload stopped early (malformed CSV, body too large, aborted); batches committed before stay imported.',
  valuesConfig: {
    COMPLETED: { description: 'Every row was read; bad rows are in the report.' },
    FAILED: { description: 'The upload stopped early; batches committed before stay imported.' },
    RUNNING: { description: 'The upload is being read.' },
  },
});

@ObjectType({ description: 'Why an import stopped early.' })
export class MemberImportError {
  @Field(() => ImportFailureCode, { description: 'Why, as a stable code.' })
  code!: ImportFailureCode;

  @Field(() => String, { description: 'What happened, for people (not stable).' })
  message!: string;
}

@ObjectType({ description: 'One entry of an import report (of people or of contacts): a problem found on a row of the file.' })
export class MemberImportIssue {
  /** Order in the report, from 1: the keyset of `report(first, after)`. */
  seq!: number;

  @Field(() => Int, { description: 'Row in the file as a spreadsheet numbers it: the header is row 1.' })
  row!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'The column concerned as documented (people: name, phone, email, department, roles, title, employeeNo; contacts: name, phones, email, company, title, notes, tags, visibility, owner) ' +
      'or, for UNKNOWN_COLUMN, the header as written; null when the whole row is.',
  })
  column!: string | null;

  @Field(() => ImportIssueCode, { description: 'What is wrong with the row, as a stable code.' })
  code!: ImportIssueCode;

  @Field(() => String, { description: 'What is wrong, for people (not stable).' })
  message!: string;
}

/**
 * One bulk import of any kind (single-table inheritance on `member_imports.kind`): who ran it, counts and status.
 * The report is in `member_import_issues`. `MemberImport` and `ContactImport` are the kinds.
 */
@Entity({ tableName: 'member_imports', discriminatorColumn: 'kind', abstract: true })
// An object type only so that MemberImport and ContactImport inherit its fields; nothing returns it, so the schema leaves it out.
@ObjectType('BulkImportFields')
export abstract class BulkImport extends OrgOwnedEntity {
  @Enum({ items: () => ImportKind, type: 'text' })
  kind!: ImportKind;

  /** The client's `importId` (or a generated one): unique within the org only, never used to reach another org's import. */
  @Property({ type: 'uuid' })
  importKey!: string;

  @Property({ type: 'uuid', nullable: true })
  createdByMemberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  createdByUserId: string | null = null;

  @Enum({ items: () => MemberImportStatus, type: 'text' })
  @Field(() => MemberImportStatus, { description: 'Whether the upload is being read, was read to its end, or stopped early.' })
  status: Opt<MemberImportStatus> = MemberImportStatus.RUNNING;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'True: validated only; nothing but this record and its report was kept.' })
  dryRun!: boolean;

  @Property({ type: 'integer' })
  rowCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  createdCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  skippedCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  failedCount: Opt<number> = 0;

  @Property({ type: 'integer' })
  issueCount: Opt<number> = 0;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the import ended; null while RUNNING.' })
  finishedAt: Date | null = null;

  @Field(() => String, { description: 'The raw uuid used by the upload (`importId`) and in IMPORT events; unique within the org.' })
  get importId(): Opt<string> {
    return this.importKey;
  }

  @Field(() => MemberImportError, { nullable: true, description: 'Why the import stopped early; null unless FAILED.' })
  get error(): Opt<MemberImportError> | null {
    return this.errorCode ? { code: importFailureCodeOf(this.errorCode), message: this.errorMessage ?? '' } : null;
  }
}
