import type { Logger } from 'pino';

const MAX_DELAY_MS = 5000;

/**
 * Runs a log read until it succeeds, backing off up to 5 s, so a database blip delays a subscription instead of
 * ending it. Gives up (null) once `stopped()` says the subscription is gone.
 */
export async function readUntilDone<T>(read: () => Promise<T>, stopped: () => boolean, logger: Logger): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (stopped()) return null;
      if (attempt === 0) logger.warn({ err: error }, 'event log read failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_DELAY_MS, 100 * 2 ** attempt)));
      if (stopped()) return null;
    }
  }
}
