import en from '../../../locales/en/dashboard.json';
import ja from '../../../locales/ja/dashboard.json';
import zhCN from '../../../locales/zh-CN/dashboard.json';
import zhTW from '../../../locales/zh-TW/dashboard.json';

/** The dashboard's texts, bundled: every locale has the keys of `en` (test/dashboard-locales.test.ts checks it). */
export type MessageKey = keyof typeof en;
type Catalogue = Record<MessageKey, string>;

export const CATALOGUES: Record<string, Catalogue> = { en, ja, 'zh-CN': zhCN, 'zh-TW': zhTW };

/** The best catalogue for the browser's languages: zh-TW/HK/MO and zh-Hant to traditional, other zh to simplified. */
export function pickLocale(languages: readonly string[]): string {
  for (const raw of languages) {
    const tag = raw.toLowerCase();
    if (tag.startsWith('zh')) return /^zh-(tw|hk|mo)|hant/.test(tag) ? 'zh-TW' : 'zh-CN';
    if (tag.startsWith('ja')) return 'ja';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

export const locale = pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);
const catalogue = CATALOGUES[locale]!;

/** The text of `key` with `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogue[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? formatParam(params[name]!) : whole));
}

function formatParam(value: string | number): string {
  return typeof value === 'number' ? value.toLocaleString(locale) : value;
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}
