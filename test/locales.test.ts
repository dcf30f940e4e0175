import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { chooseLocale, isTimeZone, localesDir, LOCALES, negotiateLocale, readCatalogue, translate, utcOffsetLabel } from '../src/i18n';

const DIR = localesDir();
const areas = (locale: string) =>
  readdirSync(join(DIR, locale))
    .filter((file) => file.endsWith('.json'))
    .sort();

/** The names of a message's ICU arguments, with `date`/`time` for those written as dates (plural `#` is its argument). */
function argumentsOf(message: string): string[] {
  const found = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
      if (element.type === TYPE.tag) {
        walk(element.children);
        continue;
      }
      const kind = element.type === TYPE.date ? 'date' : element.type === TYPE.time ? 'time' : element.type === TYPE.plural ? 'plural' : '';
      found.add(kind ? `${element.value}:${kind}` : element.value);
      if (element.type === TYPE.plural || element.type === TYPE.select) for (const option of Object.values(element.options)) walk(option.value);
    }
  };
  walk(parse(message, { ignoreTag: true }));
  return [...found].sort();
}

describe('message catalogues', () => {
  it('exist for every locale, with the same files as locales/en', () => {
    expect(readdirSync(DIR).sort()).toEqual([...LOCALES].sort());
    expect(areas('en')).toEqual(expect.arrayContaining(['emails.json', 'errors.json', 'invite.json', 'notifications.json', 'sms.json']));
    for (const locale of LOCALES) expect({ locale, areas: areas(locale) }).toEqual({ locale, areas: areas('en') });
  });

  it('are complete: every key of every file of locales/en exists in every locale, with the same ICU arguments', () => {
    const english = readCatalogue('en', DIR);
    expect(english.size).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const locale of LOCALES.filter((each) => each !== 'en')) {
      const messages = readCatalogue(locale, DIR);
      for (const [key, message] of english) {
        const translated = messages.get(key);
        if (translated === undefined) problems.push(`${locale}: ${key} is missing`);
        else if (argumentsOf(translated).join() !== argumentsOf(message).join()) {
          problems.push(`${locale}: ${key} has arguments ${argumentsOf(translated)} where en has ${argumentsOf(message)}`);
        }
      }
      for (const key of messages.keys()) if (!english.has(key)) problems.push(`${locale}: ${key} is not in en`);
    }
    expect(problems).toEqual([]);
  });

  it('hold valid ICU messages that render in their own language', () => {
    for (const locale of LOCALES) {
      for (const [key, message] of readCatalogue(locale, DIR)) expect(() => parse(message, { ignoreTag: true }), `${locale} ${key}`).not.toThrow();
    }
    expect(translate('ja', 'errors.notFound', { what: 'Invitation' })).toBe('招待が見つかりません');
    expect(translate('zh-CN', 'errors.notFound', { what: 'Department' })).toBe('未找到部门');
    expect(translate('zh-TW', 'errors.notFound', { what: 'Department' })).toBe('找不到部門');
    expect(translate('en', 'errors.tooLong', { field: 'name', max: 1 })).toBe('name must have at most 1 character');
    expect(translate('en', 'errors.tooLong', { field: 'name', max: 100 })).toBe('name must have at most 100 characters');
    // An unknown key is itself; a key a locale lacks would fall back to English.
    expect(translate('ja', 'errors.noSuchKey')).toBe('errors.noSuchKey');
  });
});

describe('locale and time zone rules', () => {
  it('negotiates Accept-Language with q-values, and maps Chinese scripts and regions', () => {
    expect(negotiateLocale('ja-JP,ja;q=0.9,en;q=0.8')).toBe('ja');
    expect(negotiateLocale('fr-FR, en;q=0.5, zh-TW;q=0.8')).toBe('zh-TW');
    expect(negotiateLocale('zh-Hant-HK')).toBe('zh-TW');
    expect(negotiateLocale('zh-HK')).toBe('zh-TW');
    expect(negotiateLocale('zh')).toBe('zh-CN');
    expect(negotiateLocale('zh-Hans-SG')).toBe('zh-CN');
    expect(negotiateLocale('fr, de;q=0.5')).toBeNull();
    expect(negotiateLocale('ja;q=0, en')).toBe('en');
    expect(negotiateLocale('*')).toBeNull();
  });

  it('prefers the saved locale, then Accept-Language, then the org default, then English', () => {
    expect(chooseLocale({ saved: 'zh-TW', acceptLanguage: 'ja', orgDefault: 'zh-CN' })).toBe('zh-TW');
    expect(chooseLocale({ saved: null, acceptLanguage: 'ja', orgDefault: 'zh-CN' })).toBe('ja');
    expect(chooseLocale({ saved: null, acceptLanguage: 'fr', orgDefault: 'zh-CN' })).toBe('zh-CN');
    expect(chooseLocale({})).toBe('en');
  });

  it('accepts IANA zone names only, and labels offsets as UTC+h', () => {
    for (const zone of ['Asia/Shanghai', 'Asia/Tokyo', 'Asia/Taipei', 'America/Argentina/Buenos_Aires', 'UTC']) expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['+08:00', 'CST', 'Mars/Olympus', 'asia/shanghai ', '', 'Etc/GMT+8; drop']) expect(isTimeZone(zone), zone).toBe(false);
    const at = new Date('2026-12-09T10:00:00Z');
    expect(utcOffsetLabel(at, 'Asia/Shanghai')).toBe('UTC+8');
    expect(utcOffsetLabel(at, 'Asia/Kolkata')).toBe('UTC+5:30');
    expect(utcOffsetLabel(at, 'UTC')).toBe('UTC');
  });
});
