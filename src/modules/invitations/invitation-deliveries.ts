import type { Orm } from '../../db/orm';
import type { EventHub } from '../../realtime/event-hub';
import { EventTopic } from '../../realtime/events';
import { FreshLoader, orgKey } from '../../realtime/fresh-loader';
import { findOrgOwned, payloadId } from '../members/delivery-loaders';
import { Invitation } from './invitation.entity';

const deliveriesOf = new WeakMap<EventHub, FreshLoader<Invitation | null>>();

/**
 * The invitation an INVITATION event's `invitation` field shows, as it is now (see `FreshLoader`): one loader per
 * process, which starts loading as the event arrives, alongside the subscribers' access re-checks.
 */
export function deliveredInvitation(app: { orm: Orm; realtime: EventHub }, orgId: string, id: string, notBefore: number): Promise<Invitation | null> {
  let loader = deliveriesOf.get(app.realtime);
  if (!loader) {
    const created = new FreshLoader<Invitation | null>((keys) => findOrgOwned(app.orm.em.fork(), Invitation, keys), null);
    app.realtime.onEventArriving((event) => {
      const invitationId = event.topic === EventTopic.INVITATION ? payloadId(event, 'invitationId') : null;
      if (invitationId) created.load(orgKey(event.orgId, invitationId), event.receivedAt).catch(() => undefined);
    });
    deliveriesOf.set(app.realtime, (loader = created));
  }
  return loader.load(orgKey(orgId, id), notBefore);
}
