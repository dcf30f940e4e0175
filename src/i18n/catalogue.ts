import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IntlMessageFormat, type Formats } from 'intl-messageformat';
import { DEFAULT_LOCALE, DEFAULT_TIME_ZONE, LOCALES, utcOffsetLabel, type Locale } from './locale';

/**
 * The message catalogues: `locales/<locale>/<area>.json` at the project root, one folder per locale, one file per
 * area (errors, emails, sms, notifications, invite, dashboard…). A file holds ICU messages by key, nested objects
 * allowed; a message is addressed as `<area>.<key>` (`errors.notFound`). `locales/en` is the source: a key missing in
 * another locale falls back to English (test/locales.test.ts keeps every locale complete).
 */
export type Catalogue = ReadonlyMap<string, string>;

/** Values of a message's ICU arguments. A Date is written in the time zone given to `translate`. */
export type MessageArgs = Record<string, string | number | boolean | Date | null | undefined>;

let catalogues: Map<Locale, Catalogue> | undefined;

/** The `locales/` folder: above src/ under vitest and tsx, above dist/src/ when built. */
export function localesDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'locales'))) return join(dir, 'locales');
    if (dirname(dir) === dir) throw new Error(`No locales/ folder above ${from}`);
  }
}

/** Every `key: message` of a catalogue file, nested objects flattened with dots. */
export function flattenMessages(value: unknown, prefix = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[prefix, value]];
  if (typeof value !== 'object' || value === null) throw new Error(`catalogue entry ${prefix} is neither a message nor an object`);
  return Object.entries(value).flatMap(([key, inner]) => flattenMessages(inner, prefix ? `${prefix}.${key}` : key));
}

/** Reads one locale's folder: every `*.json` file, keys prefixed with the file's name. */
export function readCatalogue(locale: string, dir = localesDir()): Map<string, string> {
  const folder = join(dir, locale);
  const messages = new Map<string, string>();
  if (!existsSync(folder)) return messages;
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json')).sort()) {
    const area = file.slice(0, -'.json'.length);
    for (const [key, message] of flattenMessages(JSON.parse(readFileSync(join(folder, file), 'utf8')), area)) messages.set(key, message);
  }
  return messages;
}

function catalogue(locale: Locale): Catalogue {
  catalogues ??= new Map(LOCALES.map((each) => [each, readCatalogue(each)]));
  return catalogues.get(locale)!;
}

/** The raw ICU message of a key in a locale (English when the locale lacks it), or undefined for an unknown key. */
export function messageOf(locale: Locale, key: string): string | undefined {
  return catalogue(locale).get(key) ?? catalogue(DEFAULT_LOCALE).get(key);
}

/** Date and time styles the messages may name (`{at, date, long}`, `{at, time, clock}`), in one zone. */
function formatsIn(timeZone: string): Partial<Formats> {
  return {
    date: {
      short: { year: 'numeric', month: 'numeric', day: 'numeric', timeZone },
      medium: { year: 'numeric', month: 'short', day: 'numeric', timeZone },
      long: { year: 'numeric', month: 'long', day: 'numeric', timeZone },
      full: { year: 'numeric', month: 'long', day: 'numeric', weekday: 'long', timeZone },
    },
    time: {
      short: { hour: 'numeric', minute: '2-digit', timeZone },
      medium: { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone },
      /** 24-hour `18:00`, as Chinese and Japanese messages write times. */
      clock: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone },
    },
  } as Partial<Formats>;
}

const MAX_COMPILED = 2000;
const compiled = new Map<string, IntlMessageFormat>();

function compile(locale: Locale, key: string, message: string, timeZone: string): IntlMessageFormat {
  const cacheKey = `${locale}\u0000${key}\u0000${timeZone}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    format = new IntlMessageFormat(message, locale, formatsIn(timeZone), { ignoreTag: true });
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(cacheKey, format);
  }
  return format;
}

/**
 * Renders the message `key` in `locale` with `args`. Each Date argument `x` is written in `timeZone` and gets a
 * companion argument `xZone` (`UTC+8`) for the message to show which zone that is. An unknown key renders as itself.
 */
export function translate(locale: Locale, key: string, args: MessageArgs = {}, timeZone: string = DEFAULT_TIME_ZONE): string {
  const message = messageOf(locale, key);
  if (message === undefined) return key;
  const values: Record<string, string | number | boolean | Date> = {};
  for (const [name, value] of Object.entries(args)) {
    if (value === null || value === undefined) continue;
    values[name] = value;
    if (value instanceof Date) values[`${name}Zone`] = utcOffsetLabel(value, timeZone);
  }
  const language = catalogue(locale).has(key) ? locale : DEFAULT_LOCALE;
  const result = compile(language, key, message, timeZone).format(values);
  return Array.isArray(result) ? result.join('') : String(result);
}

/** A message to render later in a reader's locale: its catalogue key and arguments. */
export interface LocalizedMessage {
  readonly key: string;
  readonly args?: MessageArgs;
}

/** Binds a locale and a time zone: `t('emails.invitation.subject', { orgName })`. */
export function translator(locale: Locale, timeZone: string = DEFAULT_TIME_ZONE) {
  return (key: string, args?: MessageArgs) => translate(locale, key, args, timeZone);
}
