import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The dashboard's catalogues (locales/<locale>/dashboard.json), bundled into the page by scripts/build-dashboard.ts. */
const LOCALES = ['en', 'zh-CN', 'zh-TW', 'ja'];
const ROOT = join(__dirname, '..');
const catalogue = (locale: string) => JSON.parse(readFileSync(join(ROOT, 'locales', locale, 'dashboard.json'), 'utf8')) as Record<string, string>;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('dashboard texts', () => {
  it('has the same keys, each with the same placeholders and a non-empty text, in every locale', () => {
    const en = catalogue('en');
    for (const locale of LOCALES.slice(1)) {
      const other = catalogue(locale);
      expect(Object.keys(other).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) {
        expect(other[key]!.trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(other[key]!), `${locale} ${key}`).toEqual(placeholders(text));
      }
    }
  });

  it('has a text for every key the dashboard asks for', () => {
    const dir = join(ROOT, 'client', 'src', 'dashboard');
    const source = readdirSync(dir)
      .filter((file) => file.endsWith('.tsx') || file.endsWith('.ts'))
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    const used = new Set([...source.matchAll(/\bt\('([\w.]+)'|label: '([\w.]+)'|'((?:import|status)\.[\w.]+)'/g)].map((match) => match[1] ?? match[2] ?? match[3]));
    expect(used.size).toBeGreaterThan(50);
    const en = catalogue('en');
    expect([...used].filter((key) => !(key! in en))).toEqual([]);
  });
});
