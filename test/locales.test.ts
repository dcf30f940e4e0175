import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import ts from 'typescript';
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

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/**
 * Where a user-facing error's message is: the argument of each error factory and error class that takes one
 * (`badInput('…')`, `new AppError(code, '…')`, `new GraphQLError('…')`…), by position. AppError and its factories
 * take a catalogue message only (the compiler refuses a text); GraphQLError takes any text, so only this scan sees it.
 */
const MESSAGE_ARGUMENT: Record<string, number> = { badInput: 0, forbidden: 0, conflict: 0, invalidCredentials: 0, AppError: 1, GraphQLError: 0, ImportRequestError: 2 };
/** Literal messages that never reach a reader as written: graphql-js throws its own syntax errors; the formatter hides internal ones. */
const ALLOWED_LITERALS = new Set(['src/graphql/operation-pipeline.ts: Invalid query', 'src/graphql/graphql-ws.ts: Internal server error']);
const SRC = join(__dirname, '..', 'src');

/** The texts an expression is written as when it is a string literal, a template, or a choice or sum of those; [] for anything else. */
function literalTexts(node: ts.Expression): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) return [node.getText()];
  if (ts.isParenthesizedExpression(node)) return literalTexts(node.expression);
  if (ts.isConditionalExpression(node)) return [...literalTexts(node.whenTrue), ...literalTexts(node.whenFalse)];
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return [...literalTexts(node.left), ...literalTexts(node.right)];
  return [];
}

/** Calls in src/ of `names` (plain calls and `new`), with the file and the call's arguments. */
function callsIn(names: ReadonlySet<string>): Array<{ file: string; name: string; args: readonly ts.Expression[]; line: number }> {
  const found: Array<{ file: string; name: string; args: readonly ts.Expression[]; line: number }> = [];
  for (const path of sourceFiles(SRC)) {
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const file = relative(join(SRC, '..'), path);
    const visit = (node: ts.Node) => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && ts.isIdentifier(node.expression) && names.has(node.expression.text)) {
        found.push({ file, name: node.expression.text, args: node.arguments ?? [], line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('user-facing messages in src/', () => {
  it('are catalogue messages: no error is thrown with an English literal (errorMessage(...) instead)', () => {
    const literals = callsIn(new Set(Object.keys(MESSAGE_ARGUMENT))).flatMap(({ file, name, args, line }) => {
      const argument = args[MESSAGE_ARGUMENT[name]!];
      return argument ? literalTexts(argument).map((text) => ({ where: `${file}:${line}`, text: `${file}: ${text}` })) : [];
    });
    expect(literals.filter(({ text }) => !ALLOWED_LITERALS.has(text))).toEqual([]);
    // The allow-list holds only what is still there.
    expect(new Set(literals.map(({ text }) => text))).toEqual(ALLOWED_LITERALS);
  });

  it('name keys that exist: every literal key of errorMessage(...) and importMessage(...) is in locales/en', () => {
    const english = readCatalogue('en', DIR);
    const areaOf: Record<string, string> = { errorMessage: 'errors', importMessage: 'imports' };
    const calls = callsIn(new Set(Object.keys(areaOf)));
    expect(calls.length).toBeGreaterThan(200);
    const unknown = calls.flatMap(({ file, name, args, line }) =>
      (args[0] ? literalTexts(args[0]) : []).map((key) => `${areaOf[name]}.${key}`).filter((key) => !english.has(key)).map((key) => `${file}:${line} ${key}`),
    );
    expect(unknown).toEqual([]);
  });
});
