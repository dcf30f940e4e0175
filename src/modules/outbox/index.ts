export { enqueueMessage } from './outbox.service';
