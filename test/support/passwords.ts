import { onKeyDerivation, type ScryptParams } from '../../src/auth/password';

/**
 * The scrypt derivations this process starts while `run` runs, with their parameters. Sees an in-process gateway's
 * (`startTestGateway`), not a spawned one's.
 */
export async function keyDerivationsDuring(run: () => Promise<unknown>): Promise<ScryptParams[]> {
  const seen: ScryptParams[] = [];
  const stop = onKeyDerivation((params) => seen.push(params));
  try {
    await run();
  } finally {
    stop();
  }
  return seen;
}
