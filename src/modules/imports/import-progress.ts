import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Authorized, Field, ID, Int, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { canViewMemberImport } from '../../auth/policy';
import { errorMessage, forbidden, notFound } from '../../errors';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { parseGlobalId } from '../../graphql/relay';
import { markShareable } from '../../graphql/shared-execution';
import { AFTER_EVENT, currentMemberViewer, deliverAs, isOneOf } from '../../graphql/subscriptions';
import { DeliveryStream } from '../../realtime/delivery-stream';
import { EventTopic } from '../../realtime/events';
import { OrgEventFeed, parseOrgCursor } from '../../realtime/org-event-feed';
import { BulkImport } from './bulk-import.entity';
import { ImportEventType } from './import-events';


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@ObjectType({ description: 'How far a bulk import has got.' })
export class ImportProgressEvent {
  @Field(() => ID, { description: 'The position of this event: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => ImportEventType, { description: 'Progress, or the end of the import.' })
  type!: ImportEventType;

  @Field(() => Date, { description: 'When the batch was committed.' })
  occurredAt!: Date;

  @Field(() => ID, { description: 'The import, as passed to importProgress.' })
  importId!: string;

  @Field(() => Int, { description: 'Rows handled so far.' })
  processed!: number;

  @Field(() => Int, { description: 'Rows imported so far.' })
  created!: number;

  @Field(() => Int, { description: 'Rows skipped so far (in the report).' })
  skipped!: number;

  @Field(() => Int, { description: 'Rows refused so far (in the report).' })
  failed!: number;

  @Field(() => Int, { nullable: true, description: 'Rows in the file, once known.' })
  total!: number | null;
}

/** Who started an import and its key (what its events carry), found by its record id (a global id's) or by its key. */
async function importOwner(em: EntityManager, orgId: string, ref: { recordId: string } | { importKey: string }) {
  const row = await em.findOne(BulkImport, 'recordId' in ref ? { id: ref.recordId, orgId } : { importKey: ref.importKey, orgId });
  return row && { startedByMemberId: row.createdByMemberId, importKey: row.importKey };
}

/** `importProgress`: the progress events of one import, for the member who started it and for OWNER/ADMIN; ends after COMPLETED. */
async function subscribeImportProgress(ctx: GraphQLContext, args: { importId: string; after?: string | null }): Promise<AsyncIterableIterator<ImportProgressEvent>> {
  const { app, viewer: subscribed, credential } = ctx;
  const orgId = subscribed.orgId;
  const recordId = parseGlobalId(args.importId)?.id ?? null;
  const givenKey = recordId === null && UUID.test(args.importId) ? args.importId.toLowerCase() : null;
  if (!recordId && !givenKey) throw notFound('Import');
  // An import not started yet (clients may subscribe with the importId they are about to upload with) can be followed
  // by admins only: its owner is not known before the upload creates it. A global id names a record, whose key its
  // events carry (none: no events match).
  const found = await importOwner(ctx.em, orgId, recordId ? { recordId } : { importKey: givenKey! });
  const startedByMemberId = found?.startedByMemberId ?? null;
  const importKey = found?.importKey ?? givenKey;
  if (!canViewMemberImport(subscribed, { createdByMemberId: startedByMemberId })) throw forbidden(errorMessage('followImportNotAllowed'));
  const feed = await OrgEventFeed.open(app.realtime, () => ctx.em, orgId, [EventTopic.IMPORT], parseOrgCursor(args.after));

  return new DeliveryStream(
    feed,
    async (event) => {
      if (!isOneOf(ImportEventType, event.type) || importKey === null || event.payload.importId !== importKey) return null;
      const current = await currentMemberViewer(app, subscribed, credential, event);
      if (!canViewMemberImport(current, { createdByMemberId: startedByMemberId })) throw forbidden(errorMessage('noLongerFollowImport'));
      const count = (key: string) => (typeof event.payload[key] === 'number' ? (event.payload[key] as number) : 0);
      const root = Object.assign(new ImportProgressEvent(), {
        id: event.id,
        type: event.type,
        occurredAt: new Date(event.createdAt),
        importId: args.importId,
        processed: count('processed'),
        created: count('created'),
        skipped: count('skipped'),
        failed: count('failed'),
        total: typeof event.payload.total === 'number' ? event.payload.total : null,
      });
      return deliverAs(markShareable(root, `${orgId}:${event.id}:${args.importId}`), current);
    },
    (value) => value.type === ImportEventType.COMPLETED,
  );
}

@Resolver()
export class ImportProgressResolver {
  @Authorized(Access.MEMBER)
  @Subscription(() => ImportProgressEvent, {
    description: 'Progress of a bulk import, for whoever started it and for OWNER and ADMIN. Completes after the COMPLETED event.',
    subscribe: ({ args, context }) => subscribeImportProgress(context, args),
  })
  importProgress(
    @Root() event: ImportProgressEvent,
    @Arg('importId', () => ID, { description: "The import's global ID or raw importId." }) _importId: string,
    @Arg('after', () => String, { nullable: true, description: AFTER_EVENT }) _after: string | null,
  ): ImportProgressEvent {
    return event;
  }
}
