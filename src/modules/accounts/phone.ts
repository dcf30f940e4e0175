import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { badInput } from '../../errors';

/** Normalises a phone number to E.164, reading numbers without a country code in `defaultRegion`. */
export function normalizePhone(raw: string, defaultRegion: string, field = 'phone'): string {
  try {
    const parsed = parsePhoneNumberWithError(raw.trim(), defaultRegion as CountryCode);
    if (parsed.isValid()) return parsed.number;
  } catch {
    // reported below
  }
  throw badInput(`Invalid phone number: ${JSON.stringify(raw.slice(0, 40))}`, field);
}
