/** The languages Orggraph speaks. `en` is the source language: every catalogue key exists there first. */
export const LOCALES = ['en', 'zh-CN', 'zh-TW', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';
export const DEFAULT_TIME_ZONE = 'UTC';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The supported locale a BCP 47 tag falls to, or null: `zh`, `zh-Hans`, `zh-CN`, `zh-SG` are zh-CN; `zh-Hant`,
 * `zh-TW`, `zh-HK`, `zh-MO` are zh-TW; any `ja-*` is ja and any `en-*` en. Case-insensitive, `_` taken for `-`.
 */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const parts = tag.trim().replace(/_/g, '-').toLowerCase().split('-');
  switch (parts[0]) {
    case 'en':
      return 'en';
    case 'ja':
      return 'ja';
    case 'zh': {
      const rest = parts.slice(1);
      return rest.some((part) => ['hant', 'tw', 'hk', 'mo'].includes(part)) ? 'zh-TW' : 'zh-CN';
    }
    default:
      return null;
  }
}

/** The best supported locale of an `Accept-Language` header (q-values honoured, `*` ignored), or null. */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale | null {
  if (!acceptLanguage) return null;
  const ranges = acceptLanguage
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag!.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.tag && range.tag !== '*' && range.q > 0 && Number.isFinite(range.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    const locale = matchLocale(range.tag);
    if (locale) return locale;
  }
  return null;
}

/** Whose language a text is written in: a saved preference, else what the client asks for, else the org's default. */
export interface LocaleSources {
  /** The person's saved `locale`. */
  saved?: string | null;
  /** An `Accept-Language` header (or a graphql-ws connection parameter of the same form). */
  acceptLanguage?: string | null;
  /** The org's default locale. */
  orgDefault?: string | null;
}

export function chooseLocale(sources: LocaleSources): Locale {
  if (isLocale(sources.saved)) return sources.saved;
  return negotiateLocale(sources.acceptLanguage) ?? (isLocale(sources.orgDefault) ? sources.orgDefault : DEFAULT_LOCALE);
}

const ZONE_SHAPE = /^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){1,2})$/;
const zoneValidity = new Map<string, boolean>();

/** An IANA time zone name the runtime knows (`Asia/Shanghai`, `UTC`); offsets and abbreviations (`+08:00`, `CST`) are not. */
export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64 || !ZONE_SHAPE.test(value)) return false;
  let valid = zoneValidity.get(value);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      valid = true;
    } catch {
      valid = false;
    }
    if (zoneValidity.size < 1000) zoneValidity.set(value, valid);
  }
  return valid;
}

/** The zone a date is written in: the person's, else the org's, else UTC. */
export function chooseTimeZone(...candidates: Array<string | null | undefined>): string {
  return candidates.find((zone): zone is string => typeof zone === 'string' && isTimeZone(zone)) ?? DEFAULT_TIME_ZONE;
}

/** `UTC+8`, `UTC+5:30`, `UTC` for a zone at a moment (daylight saving included). */
export function utcOffsetLabel(at: Date, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  const offset = part?.value.replace(/^(GMT|UTC)/, '') ?? '';
  return offset && !/^[+-]0(:00)?$/.test(offset) ? `UTC${offset}` : 'UTC';
}
