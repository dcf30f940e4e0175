import { IntlMessageFormat } from 'intl-messageformat';

/**
 * The page's texts, from `locales/<locale>/invite.json` as the gateway serves them (`/invite/assets/messages.json`,
 * in the language of `navigator.languages`, else of the browser's Accept-Language): ICU messages, so plurals and
 * word order are each language's own.
 */
let locale = 'en';
let messages: Record<string, string> = {};
const compiled = new Map<string, IntlMessageFormat>();

export async function loadMessages(): Promise<void> {
  const wanted = navigator.languages?.length ? navigator.languages.join(',') : navigator.language;
  try {
    const response = await fetch(`/invite/assets/messages.json?lang=${encodeURIComponent(wanted ?? '')}`);
    const body = (await response.json()) as { locale: string; messages: Record<string, string> };
    locale = body.locale;
    messages = body.messages;
    document.documentElement.lang = locale;
  } catch {
    // The keys show instead; the gateway's own answers still come in the browser's language.
  }
}

/** The message `key` of the page's catalogue with `args`. */
export function t(key: string, args?: Record<string, string | number | Date>): string {
  const message = messages[key];
  if (message === undefined) return key;
  let format = compiled.get(key);
  if (!format) compiled.set(key, (format = new IntlMessageFormat(message, locale, undefined, { ignoreTag: true })));
  return String(format.format(args));
}

/** A date and time in the page's language and the browser's time zone. */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'long', timeStyle: 'short' });
}
