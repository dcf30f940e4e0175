import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DEFAULT_PASSWORD_SCRYPT_LOG2N } from '../config';
import { errorMessage } from '../errors';
import type { LocalizedMessage } from '../i18n';

/** scrypt's cost: `N` (CPU and memory, a power of two), `r` (block size), `p` (parallelism); the key's length in bytes. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

/**
 * scrypt at N = 2^log2N, r = 8, p = 1, 32-byte keys. scrypt is memory-hard (N * r * 128 bytes: 128 MiB at OWASP's
 * 2^17) and needs no native addon.
 */
export function scryptParams(log2N: number): ScryptParams {
  return { N: 2 ** log2N, r: 8, p: 1, keyLength: 32 };
}

/** OWASP's recommendation, the default of `PASSWORD_SCRYPT_LOG2N`; a gateway's parameters come from its config. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = scryptParams(DEFAULT_PASSWORD_SCRYPT_LOG2N);

type DerivationListener = (params: ScryptParams) => void;
const derivationListeners = new Set<DerivationListener>();

/**
 * Calls `listener` with the parameters of every key derivation started from now on, in this process; returns the
 * function that stops it. For tests: which paths really derive a key (a timing test would be flaky).
 */
export function onKeyDerivation(listener: DerivationListener): () => void {
  derivationListeners.add(listener);
  return () => derivationListeners.delete(listener);
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  for (const listener of derivationListeners) listener({ ...params });
  // What OpenSSL allocates: 128 * r * p for B, 128 * r * (N + 2) for V.
  const maxmem = 128 * params.r * (params.N + params.p + 2);
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, params.keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** The parameters, salt and key of a stored hash; null when it is not one `hashPassword` writes. */
export function parsePasswordHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  // Bounds keep a damaged row from asking for gigabytes.
  const valid = Number.isInteger(N) && N >= 2 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
  if (!valid || salt.length === 0 || key.length < 16) return null;
  return { params: { N, r, p, keyLength: key.length }, salt, key };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** What checking a password found. */
export interface PasswordCheck {
  ok: boolean;
  /** When `ok` and the stored hash is of a lower cost than the hasher's: a hash of the password at the current cost. */
  rehash: string | null;
}

/** True when `stored` costs less than `current` on any parameter (a longer key counts too). */
export function isWeaker(stored: ScryptParams, current: ScryptParams): boolean {
  return stored.N < current.N || stored.r < current.r || stored.p < current.p || stored.keyLength < current.keyLength;
}

/**
 * Hashes and checks passwords at one set of scrypt parameters (one per gateway, see `AppServices.passwords`).
 * Checking for an account that does not exist goes through the same derivation at the same parameters as a real
 * account, so a sign-in's time does not tell whether the account exists.
 */
export class PasswordHasher {
  private readonly dummy: Promise<string>;

  constructor(readonly params: ScryptParams = DEFAULT_SCRYPT_PARAMS) {
    // A hash of a secret nobody knows, made at start-up with the current parameters so it cannot drift from them
    // (and the first unknown account does not pay for making it).
    this.dummy = hashPassword(randomBytes(32).toString('base64url'), params);
    this.dummy.catch(() => undefined); // thrown where it is awaited
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.params);
  }

  /**
   * Checks `password` against a stored hash. A hash of a lower cost than the current one costs a second derivation at
   * the current cost, right or wrong password: when right it is the replacement (`rehash`); when wrong it keeps
   * such an account from being refused faster than an unknown one. A hash that cannot be read is checked like none.
   */
  async check(password: string, stored: string): Promise<PasswordCheck> {
    const parsed = parsePasswordHash(stored);
    if (!parsed) return this.checkNoAccount(password);
    const ok = await verifyPassword(password, stored);
    if (!isWeaker(parsed.params, this.params)) return { ok, rehash: null };
    const rehash = await this.hash(password);
    return { ok, rehash: ok ? rehash : null };
  }

  /** For an account that does not exist: the same work as `check` against a current hash; never ok. */
  async checkNoAccount(password: string): Promise<PasswordCheck> {
    await verifyPassword(password, await this.dummy);
    return { ok: false, rehash: null };
  }

  /** The hash `checkNoAccount` verifies against (tests). */
  dummyHash(): Promise<string> {
    return this.dummy;
  }
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

/** What is wrong with a new password, as a catalogue message written in the reader's language; null when it will do. */
export function validateNewPassword(password: string): LocalizedMessage | null {
  if (password.length < PASSWORD_MIN) return errorMessage('passwordTooShort', { min: PASSWORD_MIN });
  if (password.length > PASSWORD_MAX) return errorMessage('passwordTooLong', { max: PASSWORD_MAX });
  return null;
}

/** A readable initial password for enterprise accounts: 16 characters from a CSPRNG. */
export function generateInitialPassword(): string {
  return randomBytes(12).toString('base64url');
}
