import 'reflect-metadata';
import pino from 'pino';
import { loadConfig } from './config';
import { startGateway } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const gateway = await startGateway(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    gateway.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// One line a person can act on, not a stack trace: a bad setting, or a service the gateway could not reach.
main().catch((error: unknown) => {
  console.error(`orggraph: cannot start: ${startupFailure(error)}`);
  process.exit(1);
});

function startupFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Connecting to a name with several addresses fails with an AggregateError whose own message is empty.
  const cause = error instanceof AggregateError && !error.message ? error.errors[0] : error;
  const message = cause instanceof Error ? cause.message || (cause as { code?: string }).code || cause.name : String(cause);
  return message.split('\n')[0]!.trim();
}
