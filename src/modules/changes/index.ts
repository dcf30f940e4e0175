import { apiClientReadableTypes } from '../../auth/api-scopes';
import { contribute } from '../../contributions';
import { ChangesResolver } from './changes.resolver';

export { OrgEventType, orgEventTypeOf, topicAndTypeOf } from './org-event-type';
export { changeViewOf, type ChangeView, type LoggedChange } from './change-view';
export { changeEvent, changePayloadOf, type ChangeFacts, type ChangePayload } from './change-event';
export {
  changeAudienceRules,
  changesOfVisibleObjects,
  changesReadBy,
  departmentScopedChanges,
  type ChangeAudienceRule,
  type ChangeAudienceRules,
  type ChangeToJudge,
} from './change-audience';
export { MIRRORED_TOPICS, readOrgChanges, receivableChanges, currentSyncCursor } from './changes.service';

export const changesModule = {
  entities: [],
  resolvers: [ChangesResolver],
  contributions: [
    // Any client of the org reads these types; each change in them is judged by its topic's rule (change-audience.ts).
    contribute(apiClientReadableTypes, { OrgChange: null, OrgChangesPage: null }),
  ],
};
