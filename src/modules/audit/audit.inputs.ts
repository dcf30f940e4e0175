import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ConnectionType, PageArgs } from '../../graphql/relay';
import { AuditAction } from './audit-action';
import { AuditEntry } from './audit-entry.entity';

@InputType({ description: 'Narrows the audit log; all given conditions must hold.' })
export class AuditLogFilter {
  @Field(() => AuditAction, { nullable: true, description: 'Only entries of this action, e.g. ROLE_ASSIGN.' })
  action?: AuditAction | null;

  @Field(() => ID, { nullable: true, description: 'The member or API client who acted.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The global id of the object acted on (a member, a role, the org...).' })
  targetId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Entries at or after this time.' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Entries before this time.' })
  until?: Date | null;
}

@ArgsType()
export class AuditLogArgs extends PageArgs {
  @Field(() => AuditLogFilter, { nullable: true, description: 'Narrows the entries; all of them when omitted.' })
  filter?: AuditLogFilter | null;
}

export const AuditEntryConnection = ConnectionType(AuditEntry, 'AuditEntry');
