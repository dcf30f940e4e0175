import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { requireLocale, requireTimeZone } from '../common/validate';
import type { UpdateMyPreferencesInput } from './accounts.inputs';
import { User } from './user.entity';

/** Saves the signed-in person's locale and time zone (validated; null clears one, undefined keeps it). */
export async function updateMyPreferences(em: EntityManager, viewer: Viewer, input: UpdateMyPreferencesInput): Promise<User> {
  const locale = input.locale == null ? input.locale : requireLocale(input.locale, 'locale');
  const timeZone = input.timeZone == null ? input.timeZone : requireTimeZone(input.timeZone, 'timeZone');
  const user = await em.findOneOrFail(User, { id: viewer.requireUser().id });
  if (locale !== undefined) user.locale = locale;
  if (timeZone !== undefined) user.timeZone = timeZone;
  await em.flush();
  return user;
}
