import { AsyncLocalStorage } from 'node:async_hooks';
import { localeOfViewer } from '../auth/viewer';
import { chooseLocale, type Locale } from '../i18n';
import type { GraphQLContext } from './context';

/**
 * The language of one HTTP operation's answer, for the error formatter (Apollo calls it without the context): the
 * request's `Accept-Language`, and its context once made, whose viewer brings the saved and the org's locale.
 */
interface RequestLocale {
  acceptLanguage: string | null;
  context?: GraphQLContext;
}

const store = new AsyncLocalStorage<RequestLocale>();

export function runWithRequestLocale<T>(acceptLanguage: string | null | undefined, fn: () => T): T {
  return store.run({ acceptLanguage: acceptLanguage ?? null }, fn);
}

/** Remembers the operation's context: its viewer, once loaded, decides the language. */
export function bindRequestLocale(context: GraphQLContext): GraphQLContext {
  const current = store.getStore();
  if (current) current.context = context;
  return context;
}

/** The current HTTP operation's locale (English outside one). */
export function requestLocale(): Locale {
  const current = store.getStore();
  if (!current) return chooseLocale({});
  return current.context ? localeOfViewer(current.context.viewer, current.acceptLanguage) : chooseLocale({ acceptLanguage: current.acceptLanguage });
}
