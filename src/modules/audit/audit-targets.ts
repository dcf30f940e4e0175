import DataLoader from 'dataloader';
import { isOrgAdmin, mayReadOrgWideType } from '../../auth/policy';
import type { Loaders, Reader } from '../../graphql/loaders';
import { ContributionKind, type Contributions } from '../../contributions';
import type { AuditEntry } from './audit-entry.entity';

/**
 * Who may read an audit entry's summary [issue 12]: whoever may see its target, by the target's own rule. The log
 * itself is for OWNER, ADMIN and holders of AUDIT_LOG VIEW; the summary holds what the target's module shows only to
 * some (a private contact's name, a member's account details, an API client's scopes), so a reader who may not see
 * the target gets the entry's action, actor and target id with `summary` withheld.
 *
 * Each module that writes entries on a type of target contributes that type's rule from its `index.ts`; `src/modules.ts`
 * collects them. A type without a rule is withheld from all but OWNER and ADMIN, who see every object of their org.
 */

/** Which of `ids` (raw ids of targets of one type, of the viewer's org, maybe gone) the viewer may see: one query at most. */
export type AuditTargetRule = (reader: Reader, ids: readonly string[]) => Promise<Iterable<string>> | Iterable<string>;

/** Rules by target type (`AuditEntry.targetType`, a GraphQL type name). */
export type AuditTargetRules = Readonly<Record<string, AuditTargetRule>>;

/** Each module's rules for the types of target it writes entries on (see `src/modules.ts`). */
export const auditTargetRules = new ContributionKind<AuditTargetRules>('auditTargetRules');

const mergedRules = new WeakMap<Contributions, AuditTargetRules>();

function rulesOf(contributions: Contributions): AuditTargetRules {
  let rules = mergedRules.get(contributions);
  if (!rules) mergedRules.set(contributions, (rules = Object.assign({}, ...contributions.of(auditTargetRules)) as AuditTargetRules));
  return rules;
}

/** Types every member of the org reads (the org, its departments, roles, tags): API clients need the type's read scope. */
export function orgWideAuditTargets(...typeNames: string[]): AuditTargetRules {
  return Object.fromEntries(typeNames.map((typeName) => [typeName, ({ viewer }: Reader, ids: readonly string[]) => (mayReadOrgWideType(viewer, typeName) ? ids : [])]));
}

/** Per operation: keyed by its loaders, which live exactly as long. */
const decided = new WeakMap<Loaders, Map<string, DataLoader<string, boolean>>>();

/** May the viewer read this entry's summary? Batched per target type: a page costs one rule call per type in it. */
export function maySeeAuditTarget(reader: Reader, contributions: Contributions, entry: AuditEntry): boolean | Promise<boolean> {
  if (!entry.targetType || !entry.targetId || isOrgAdmin(reader.viewer)) return true;
  const rule = rulesOf(contributions)[entry.targetType];
  if (!rule) return false;
  let loaders = decided.get(reader.loaders);
  if (!loaders) decided.set(reader.loaders, (loaders = new Map()));
  let loader = loaders.get(entry.targetType);
  if (!loader) {
    loader = new DataLoader<string, boolean>(async (ids) => {
      const visible = new Set(await rule(reader, ids));
      return ids.map((id) => visible.has(id));
    });
    loaders.set(entry.targetType, loader);
  }
  return loader.load(entry.targetId);
}
