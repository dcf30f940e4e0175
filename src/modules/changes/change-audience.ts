import { can } from '../../auth/policy';
import { PermissionAction, type PermissionModule } from '../../auth/vocabulary';
import { ContributionKind, type Contributions } from '../../contributions';
import type { Reader } from '../../graphql/loaders';
import type { OrgEvent } from '../../realtime/events';
import type { ChangePayload } from './change-event';

/**
 * Who receives a change (through `orgEvents` and `orgChanges` alike): each module that emits changes of a topic
 * contributes that topic's rule from its `index.ts`, reusing the rule that decides who sees the object itself (a
 * sub-admin only its departments, an API client only the modules its scopes read, a PRIVATE contact only who may see
 * it). A topic without a rule reaches nobody (fail closed).
 */

/** One logged change to judge. */
export interface ChangeToJudge {
  event: OrgEvent;
  change: ChangePayload;
}

/** Which of `changes` (all of one topic, of the reader's org) the reader may receive: their event ids. One query at most. */
export type ChangeAudienceRule = (reader: Reader, changes: readonly ChangeToJudge[]) => Promise<Iterable<string>> | Iterable<string>;

/** Rules by event topic (`EventTopic`). */
export type ChangeAudienceRules = Readonly<Record<string, ChangeAudienceRule>>;

export const changeAudienceRules = new ContributionKind<ChangeAudienceRules>('changeAudienceRules');

/**
 * The rule of objects placed in departments: whoever may VIEW `module` on one of the change's departments (OWNER,
 * ADMIN, an org-wide grant, a SUB_ADMIN or scoped custom role covering one of them; an API client with the module's
 * read scope). A change concerning no department needs an org-wide grant.
 */
export function departmentScopedChanges(module: PermissionModule): ChangeAudienceRule {
  return async ({ viewer, loaders }, changes) => {
    if (!viewer.org) return [];
    const allowed: string[] = [];
    for (const { event, change } of changes) {
      let paths = change.departmentPaths;
      // Events that name their departments by id only (invitations): their paths as they are now.
      if (!paths.length && event.departmentIds.length && !can(viewer, module, PermissionAction.VIEW)) {
        const departments = await loaders.departmentById.loadMany(event.departmentIds);
        paths = departments.flatMap((d) => (d && !(d instanceof Error) ? [d.path] : []));
        if (!paths.length) continue;
      }
      if (can(viewer, module, PermissionAction.VIEW, paths.length ? { departmentPaths: paths, match: 'any' } : undefined)) allowed.push(event.id);
    }
    return allowed;
  };
}

/** The rule of objects one module's readers all see: `mayRead` decides for the viewer, whatever the object. */
export function changesReadBy(mayRead: (reader: Reader) => boolean): ChangeAudienceRule {
  return (reader, changes) => (mayRead(reader) ? changes.map(({ event }) => event.id) : []);
}

/** The rule of objects with their own visibility: `visibleIds` answers which raw object ids the reader sees. */
export function changesOfVisibleObjects(visibleIds: (reader: Reader, rawIds: readonly string[]) => Promise<Iterable<string>> | Iterable<string>): ChangeAudienceRule {
  return async (reader, changes) => {
    const visible = new Set(await visibleIds(reader, [...new Set(changes.map(({ change }) => change.rawId))]));
    return changes.filter(({ change }) => visible.has(change.rawId)).map(({ event }) => event.id);
  };
}

const mergedRules = new WeakMap<Contributions, ChangeAudienceRules>();

export function audienceRulesOf(contributions: Contributions): ChangeAudienceRules {
  let rules = mergedRules.get(contributions);
  if (!rules) mergedRules.set(contributions, (rules = Object.assign({}, ...contributions.of(changeAudienceRules)) as ChangeAudienceRules));
  return rules;
}
