import { keyColumns, nameKeys } from '../../search/name-keys';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { canImportContactsFor, mayImportContactsForOthers } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { normalizePhone } from '../accounts/phone';
import { contactEvent, ContactEventType, pgArray } from '../contacts';
import { MemberStatus } from '../members/member.entity';
import type { ContactCandidate } from './contact-import-csv';
import type { ImportBatchResult } from './import-run';
import { errorMessage } from '../../errors';
import type { LocalizedMessage } from '../../i18n';
import { importMessage, ImportIssueCode, SKIP_CODES, type ImportIssue } from './import-issue';

/** What stays the same for every batch of one contact import. */
export interface ContactImportSession {
  orgId: string;
  viewer: Viewer;
  /** The uploader: owner of rows without an `owner`. */
  uploader: { id: string; phone: string | null; email: string | null; employeeNo: string | null };
  phoneRegion: string;
}

/**
 * The duplicate keys named by earlier batches of the file (`p:<e164>`, `e:<email>` -> first row). A batch adds its
 * own only once it has committed (or, dry, rolled back), so a retried batch starts from the same state; a dry run
 * thereby reports later duplicates exactly as the real run would.
 */
export type ContactImportMemory = Map<string, number>;

interface TagRow {
  id: string;
  name: string;
  group_name: string;
}

interface OwnerMatch {
  ref: string;
  id: string;
  status: MemberStatus;
  paths: string[];
}

type OwnerResolution = { ownerId: string } | { code: ImportIssueCode; message: LocalizedMessage };

interface AcceptedContact {
  candidate: ContactCandidate;
  ownerId: string;
  tagIds: string[];
}

/**
 * Checks one batch of contact rows against the org and creates the good ones set-based, as `createContact` would (source
 * IMPORT): one statement inserts the contacts and their duplicate keys (`contact_keys`). A phone or email already held
 * by a live contact of the org skips the row (CONTACT_EXISTS) without saying which contact holds it, since it may be
 * hidden from the importer. A contact inserted meanwhile by someone else fails the key insert on the primary key:
 * the run retries the batch, which then reports that row.
 */
export async function importContactBatch(
  tx: EntityManager,
  session: ContactImportSession,
  memory: ContactImportMemory,
  candidates: ContactCandidate[],
): Promise<ImportBatchResult> {
  const usable = candidates.filter((candidate) => candidate.issues.length === 0);
  const tags = await loadTags(tx, session.orgId, candidates);
  const owners = await resolveOwners(tx, session, candidates);
  const existing = await existingKeys(tx, session.orgId, usable);

  const issues: ImportIssue[] = [];
  const failedRows = new Set<number>();
  const skippedRows = new Set<number>();
  const report = (row: number, column: string | null, code: ImportIssueCode, message: LocalizedMessage) => {
    issues.push({ row, column, code, message });
    (SKIP_CODES.has(code) ? skippedRows : failedRows).add(row);
  };
  const seenHere = new Map<string, number>();
  const accepted: AcceptedContact[] = [];

  for (const candidate of candidates) {
    const { row } = candidate;
    for (const issue of candidate.issues) report(row, issue.column, issue.code, issue.message);
    const tagIds = resolveTags(tags, candidate, (code, message) => report(row, 'tags', code, message));
    const owner = candidate.ownerRef === null ? { ownerId: session.uploader.id } : owners.get(candidate.ownerRef)!;
    if ('code' in owner) report(row, 'owner', owner.code, owner.message);
    if (failedRows.has(row) || 'code' in owner) continue;

    const duplicate = candidate.keys
      .map((key) => ({ key, earlier: memory.get(key) ?? seenHere.get(key) }))
      .find((found) => found.earlier !== undefined);
    for (const key of candidate.keys) if (!memory.has(key) && !seenHere.has(key)) seenHere.set(key, row);
    if (duplicate) {
      const column = columnOfKey(duplicate.key);
      report(row, column, ImportIssueCode.DUPLICATE_IN_FILE, importMessage('sameAsRow', { column, earlier: String(duplicate.earlier) }));
      continue;
    }
    const taken = candidate.keys.find((key) => existing.has(key));
    if (taken) {
      const column = columnOfKey(taken);
      report(row, column, ImportIssueCode.CONTACT_EXISTS, errorMessage(column === 'email' ? 'contactEmailExists' : 'contactPhoneExists'));
      continue;
    }
    accepted.push({ candidate, ownerId: owner.ownerId, tagIds });
  }

  const events = await insertContacts(tx, session.orgId, accepted);
  return {
    issues,
    created: accepted.length,
    skipped: skippedRows.size,
    failed: failedRows.size,
    events,
    remember() {
      for (const [key, row] of seenHere) memory.set(key, row);
    },
  };
}

function columnOfKey(key: string): 'phones' | 'email' {
  return key.startsWith('e:') ? 'email' : 'phones';
}

/** The org's tags named in the batch, by name or by `Group/Tag`, case-insensitively, in one query. */
async function loadTags(tx: EntityManager, orgId: string, candidates: ContactCandidate[]): Promise<TagRow[]> {
  const names = [...new Set(candidates.flatMap((candidate) => candidate.tagNames.map((name) => name.toLowerCase())))];
  if (!names.length) return [];
  return tx.execute<TagRow[]>(
    `select t.id, t.name, g.name as group_name
       from contact_tags t join contact_tag_groups g on g.id = t.group_id
      where t.org_id = ? and (lower(t.name) = any(?::text[]) or lower(g.name || '/' || t.name) = any(?::text[]))`,
    [orgId, pgArray(names), pgArray(names)],
  );
}

/**
 * A tag is written as its name; when tags of several groups share the name, as `Group/Tag`. Unknown and ambiguous
 * names are reported one by one.
 */
function resolveTags(tags: TagRow[], candidate: ContactCandidate, report: (code: ImportIssueCode, message: LocalizedMessage) => void): string[] {
  const ids: string[] = [];
  for (const written of candidate.tagNames) {
    const lower = written.toLowerCase();
    const qualified = tags.filter((tag) => `${tag.group_name}/${tag.name}`.toLowerCase() === lower);
    const named = qualified.length ? qualified : tags.filter((tag) => tag.name.toLowerCase() === lower);
    if (named.length === 0) {
      report(ImportIssueCode.UNKNOWN_TAG, importMessage('unknownTag', { name: written.slice(0, 100) }));
      continue;
    }
    if (named.length > 1) {
      report(ImportIssueCode.AMBIGUOUS_TAG, importMessage('ambiguousTag', { name: written.slice(0, 100), choices: named.map((tag) => `${tag.group_name}/${tag.name}`).join(', ') }));
      continue;
    }
    if (!ids.includes(named[0]!.id)) ids.push(named[0]!.id);
  }
  return ids;
}

/**
 * The owner of each `owner` written in the batch: a member of the org by phone, email or employee number. Whoever may
 * import contacts for others (`mayImportContactsForOthers`) is answered among the members they may give contacts to
 * (`canImportContactsFor`): a member outside their departments reads as unknown, so nothing is learnt about members
 * out of reach. Anyone else may name themself only, which is checked without a query.
 */
async function resolveOwners(tx: EntityManager, session: ContactImportSession, candidates: ContactCandidate[]): Promise<Map<string, OwnerResolution>> {
  const refs = [...new Set(candidates.map((candidate) => candidate.ownerRef).filter((ref): ref is string => ref !== null))];
  const resolved = new Map<string, OwnerResolution>();
  if (!refs.length) return resolved;
  const { uploader, viewer } = session;
  const phoneOf = (ref: string): string | null => {
    try {
      return normalizePhone(ref, session.phoneRegion);
    } catch {
      return null;
    }
  };
  if (!mayImportContactsForOthers(viewer)) {
    for (const ref of refs) {
      const self = ref === uploader.employeeNo || ref.toLowerCase() === uploader.email || (uploader.phone !== null && phoneOf(ref) === uploader.phone);
      resolved.set(ref, self
        ? { ownerId: uploader.id }
        : { code: ImportIssueCode.FORBIDDEN_OWNER, message: importMessage('ownerSelfOnly') });
    }
    return resolved;
  }
  const matches = await tx.execute<OwnerMatch[]>(
    `select r.ref, m.id, m.status,
            array(select d.path from member_departments md join departments d on d.id = md.department_id where md.member_id = m.id) as paths
       from jsonb_to_recordset(?::jsonb) as r(ref text, phone text, email text)
       join members m on m.org_id = ? and (m.phone = r.phone or m.email = r.email or m.employee_no = r.ref)`,
    [JSON.stringify(refs.map((ref) => ({ ref, phone: phoneOf(ref), email: ref.includes('@') ? ref.toLowerCase() : null }))), session.orgId],
  );
  for (const ref of refs) {
    const reachable = matches.filter((match) => match.ref === ref && canImportContactsFor(viewer, { id: match.id, departmentPaths: match.paths }));
    const owners = [...new Map(reachable.map((match) => [match.id, match])).values()];
    if (owners.length !== 1) {
      resolved.set(ref, {
        code: ImportIssueCode.UNKNOWN_OWNER,
        message: importMessage(owners.length ? 'ownerAmbiguous' : 'ownerUnknown', { ref: ref.slice(0, 100) }),
      });
    } else if (owners[0]!.status !== MemberStatus.ACTIVE) {
      resolved.set(ref, { code: ImportIssueCode.INACTIVE_OWNER, message: importMessage('ownerInactive', { ref: ref.slice(0, 100), status: owners[0]!.status }) });
    } else {
      resolved.set(ref, { ownerId: owners[0]!.id });
    }
  }
  return resolved;
}

/** The batch's keys that a live contact of the org holds already (one probe of `contact_keys` per key, one statement). */
async function existingKeys(tx: EntityManager, orgId: string, candidates: ContactCandidate[]): Promise<Set<string>> {
  const keys = candidates.flatMap((candidate) => candidate.keys);
  if (!keys.length) return new Set();
  const rows = await tx.execute<Array<{ key: string }>>('select key from contact_keys where org_id = ? and key = any(?::text[])', [orgId, pgArray(keys)]);
  return new Set(rows.map((row) => row.key));
}

/**
 * The accepted contacts and their duplicate keys, in one statement. Returns their CONTACT CREATED events, as
 * `createContact` emits them (with `source: IMPORT`), which the run records with the batch in one statement.
 */
async function insertContacts(tx: EntityManager, orgId: string, accepted: AcceptedContact[]): Promise<ImportBatchResult['events']> {
  if (!accepted.length) return [];
  const input = accepted.map(({ candidate, ownerId, tagIds }) => ({
    id: randomUUID(),
    owner_id: ownerId,
    name: candidate.name,
    name_reading: candidate.nameReading,
    // Hand-written SQL skips the entity's key hooks: the same keys, derived here.
    ...keyColumns(nameKeys(candidate.name, candidate.nameReading, candidate.company)),
    phones: candidate.phones,
    email: candidate.email,
    company: candidate.company,
    title: candidate.title,
    notes: candidate.notes,
    tag_ids: tagIds,
    visibility: candidate.visibility,
    keys: candidate.keys,
  }));
  await tx.execute(
    `with input as (
       select * from jsonb_to_recordset(?::jsonb)
         as x(id uuid, owner_id uuid, name text, name_reading text, name_key text, search_keys text, sort_key text, phones text[], email text, company text, title text, notes text, tag_ids uuid[], visibility text, keys text[])
     ),
     created as (
       insert into contacts (id, org_id, owner_id, name, name_reading, name_key, search_keys, sort_key, phones, email, company, title, notes, tag_ids, visibility, source, created_at, updated_at)
       select i.id, ?, i.owner_id, i.name, i.name_reading, i.name_key, i.search_keys, i.sort_key, i.phones, i.email, i.company, i.title, i.notes, i.tag_ids, i.visibility, 'IMPORT', now(), now()
         from input i
     )
     -- No "on conflict": a key another transaction claimed meanwhile fails the batch, which the run retries. Keys go in
     -- sorted, so two imports naming the same people wait for each other instead of deadlocking.
     insert into contact_keys (org_id, key, contact_id)
     select ?, k.key, i.id from input i cross join lateral unnest(i.keys) as k(key) order by k.key`,
    [JSON.stringify(input), orgId, orgId],
  );
  return input.map((contact) => {
    const { orgId: _org, ...event } = contactEvent(ContactEventType.CREATED, { id: contact.id, orgId, ownerId: contact.owner_id, visibility: contact.visibility }, { details: { source: 'IMPORT' } });
    return event;
  });
}
