import type { Logger } from 'pino';

export interface PeriodicJobOptions {
  /** For logs. */
  name: string;
  /** Pause between runs, in ms. 0 or less: `start` does nothing (tests call `runOnce`). */
  intervalMs: number;
  /**
   * One unit of work, e.g. one claimed batch. Resolves true when more work is waiting, and the job runs again at once
   * instead of after the pause. A throw is logged and the job carries on at the next interval.
   */
  tick: () => Promise<boolean>;
  logger: Logger;
}

/**
 * Runs a Postgres-backed job every `intervalMs` in each gateway process, without Redis, so it keeps working while
 * Redis is down. Jobs make themselves safe to run on several instances at once by claiming their rows with
 * `for update skip locked`. One run at a time per process; `stop` waits for the run in flight.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: PeriodicJobOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs ticks until no more work is waiting; resolves with the number of ticks. */
  async runOnce(): Promise<number> {
    let ticks = 1;
    while (await this.options.tick()) ticks++;
    return ticks;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.options
        .tick()
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error, job: this.options.name }, 'periodic job failed');
          return false;
        })
        .then((more) => {
          if (!this.stopped) this.schedule(more ? 0 : this.options.intervalMs);
        });
    }, delayMs).unref();
  }
}
