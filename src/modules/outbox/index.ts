import { OutboxMessage } from './outbox-message.entity';

export { enqueueMessage, outboxBacklog } from './outbox.service';
export { deliveryFailureHooks, type DeliveryFailure, type DeliveryFailureHook } from './outbox.dispatcher';
export { createDeliveryAdapter, renderMessage, SmtpDeliveryAdapter } from './delivery';

export const outboxModule = { entities: [OutboxMessage], resolvers: [], contributions: [] };
