import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OrgEvent } from './events';

/** Redis channel carrying one org's committed events to every gateway instance. */
export function orgChannel(orgId: string): string {
  return `orggraph:org-events:${orgId}`;
}

/**
 * Publishes committed events to Redis so any number of gateway instances deliver them. Fire-and-forget:
 * when Redis is down the events stay in the log and subscribers replay them on resume.
 */
export class EventBus {
  constructor(private readonly redis: Redis, private readonly logger: Logger) {}

  publish(events: OrgEvent[]): void {
    for (const event of events) {
      this.redis.publish(orgChannel(event.orgId), JSON.stringify(event)).catch((error: unknown) => {
        this.logger.warn({ err: error, orgId: event.orgId, eventId: event.id }, 'event publish failed; subscribers will replay it from the log');
      });
    }
  }
}
