/**
 * The keys bulk imports derive through `nameKeysCache` are those every other writer stores (`nameKeys`), surname
 * readings and tone order included: the import derives them once per distinct name, with one pinyin conversion.
 */
import { describe, expect, it } from 'vitest';
import { nameKeys, nameKeysCache, READING_MARK } from '../src/search/name-keys';

const NAMES: Array<[string, string | null]> = [
  ['曾小明', null],
  ['单田芳', null],
  ['张伟', null],
  ['吕布', null],
  ['區家麟', null],
  ['乐乐', null],
  ['山田太郎', 'やまだ たろう'],
  ['John Smith', null],
  ['Zoë Ålund', 'zoe alund'],
  ['李 娜', 'Li Na'],
];

describe('nameKeysCache', () => {
  it('derives what nameKeys derives, remembered per name and reading', () => {
    const keysOf = nameKeysCache();
    for (const [name, reading] of NAMES) {
      const first = keysOf(name, reading);
      expect(first).toEqual(nameKeys(name, reading));
      expect(keysOf(name, reading)).toBe(first);
    }
    expect(keysOf('山田太郎')).toEqual(nameKeys('山田太郎'));
    expect(keysOf('山田太郎')).not.toEqual(keysOf('山田太郎', 'やまだ たろう'));
  });

  it('reads surnames as surnames and orders by toned pinyin, from one conversion', () => {
    const keysOf = nameKeysCache();
    expect(keysOf('曾小明').searchKeys).toContain(`${READING_MARK}zengxiaoming`);
    expect(keysOf('单田芳').searchKeys).toContain(`${READING_MARK}shantianfang`);
    expect(keysOf('吕布').searchKeys).toContain(`${READING_MARK}lvbu`);
    expect(keysOf('张伟').sortKey.startsWith('1zhang1 wei3')).toBe(true);
  });

  it('stops remembering past its limit and still answers', () => {
    const keysOf = nameKeysCache(1);
    const first = keysOf('张伟');
    expect(keysOf('李娜')).toEqual(nameKeys('李娜'));
    expect(keysOf('李娜')).not.toBe(keysOf('李娜'));
    expect(keysOf('张伟')).toBe(first);
  });
});
