import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { parsePhoneNumberFromString as parseWithMobileMetadata } from 'libphonenumber-js/mobile';
import { badInput, errorMessage } from '../../errors';

/** Normalises a phone number to E.164, reading numbers without a country code in `defaultRegion`. */
export function normalizePhone(raw: string, defaultRegion: string, field = 'phone'): string {
  try {
    const parsed = parsePhoneNumberWithError(raw.trim(), defaultRegion as CountryCode);
    if (parsed.isValid()) return parsed.number;
  } catch {
    // reported below
  }
  throw badInput(errorMessage('invalidPhone', { raw: JSON.stringify(raw.slice(0, 40)) }), field);
}

/**
 * True when an E.164 number can receive an SMS: valid against libphonenumber's mobile-only metadata, which knows
 * mobile ranges (and numbers that may be either, as in the US) but no fixed lines.
 */
export function isMobilePhone(e164: string): boolean {
  return parseWithMobileMetadata(e164)?.isValid() ?? false;
}

/**
 * Like `normalizePhone`, for a number that must receive an SMS (phone invitations, verification codes): a fixed-line
 * number is refused with BAD_USER_INPUT and a message saying so.
 */
export function normalizeMobilePhone(raw: string, defaultRegion: string, field = 'phone'): string {
  const phone = normalizePhone(raw, defaultRegion, field);
  assertMobilePhone(phone, field);
  return phone;
}

/** BAD_USER_INPUT unless `e164` can receive an SMS (see `isMobilePhone`). */
export function assertMobilePhone(e164: string, field = 'phone'): void {
  if (!isMobilePhone(e164)) throw badInput(errorMessage('phoneNotMobile', { phone: e164 }), field);
}
