export { enqueueMessage, outboxBacklog } from './outbox.service';
export { onDeliveryFailure, type DeliveryFailure, type DeliveryFailureHook } from './outbox.dispatcher';
export { createDeliveryAdapter, renderMessage, SmtpDeliveryAdapter } from './delivery';
