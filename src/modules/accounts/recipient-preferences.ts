import type { EntityManager } from '@mikro-orm/postgresql';
import { chooseLocale, chooseTimeZone, type Locale } from '../../i18n';

/** The language and time zone a message to someone is written in. */
export interface RecipientPreferences {
  locale: Locale;
  timeZone: string;
}

/**
 * Whom a phone or email message reaches, as far as Orggraph knows: the saved locale and time zone of the account that
 * verified that phone or email, else the org's defaults. (The sender's own language says nothing about the recipient's.)
 */
export async function recipientPreferences(
  em: EntityManager,
  to: { phone?: string | null; email?: string | null },
  org: { locale?: string | null; timeZone?: string | null } | null,
): Promise<RecipientPreferences> {
  const rows = to.phone || to.email
    ? await em.getConnection().execute<Array<{ locale: string | null; time_zone: string | null }>>(
        `select locale, time_zone from users
          where (phone = ? and phone_verified_at is not null) or (lower(email) = lower(?) and email_verified_at is not null)
          order by (locale is null), id limit 1`,
        [to.phone ?? null, to.email ?? null],
        'all',
        em.getTransactionContext(), // inside the caller's transaction: the embedded database has one connection
      )
    : [];
  return preferencesOf(rows[0] ? { locale: rows[0].locale, timeZone: rows[0].time_zone } : null, org);
}

/** A person's saved locale and zone, each falling back to the org's (then English and UTC). */
export function preferencesOf(
  person: { locale?: string | null; timeZone?: string | null } | null,
  org: { locale?: string | null; timeZone?: string | null } | null,
): RecipientPreferences {
  return { locale: chooseLocale({ saved: person?.locale, orgDefault: org?.locale }), timeZone: chooseTimeZone(person?.timeZone, org?.timeZone) };
}

/** The language and zone of each of some members of an org: their account's saved ones, else the org's. */
export async function memberPreferences(em: EntityManager, orgId: string, memberIds: readonly string[]): Promise<Map<string, RecipientPreferences>> {
  if (memberIds.length === 0) return new Map();
  const rows = await em.getConnection().execute<Array<{ id: string; locale: string | null; time_zone: string | null; org_locale: string; org_time_zone: string }>>(
    `select m.id, u.locale, u.time_zone, o.locale as org_locale, o.time_zone as org_time_zone
       from members m join orgs o on o.id = m.org_id left join users u on u.id = m.user_id
      where m.org_id = ? and m.id = any(array[?]::uuid[])`,
    [orgId, [...memberIds]],
    'all',
    em.getTransactionContext(),
  );
  return new Map(rows.map((row) => [row.id, preferencesOf({ locale: row.locale, timeZone: row.time_zone }, { locale: row.org_locale, timeZone: row.org_time_zone })]));
}
