import { InvitationEventFieldsResolver, MemberEventFieldsResolver, RealtimeSubscriptionResolver } from './realtime.resolver';

export { EventHub } from './event-hub';
export { setImportOwnerLookup, type ImportOwnerLookup } from './realtime.service';

export const realtimeResolvers: Function[] = [RealtimeSubscriptionResolver, InvitationEventFieldsResolver, MemberEventFieldsResolver];
