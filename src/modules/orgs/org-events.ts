import { EventTopic, type NewOrgEvent } from '../../realtime/events';
import { changeEvent } from '../changes/change-event';

/** Types of ORG events (`ORG_<type>` in `OrgEventType`). */
export enum OrgChangeEventType {
  SETTINGS_CHANGED = 'SETTINGS_CHANGED',
}

/** ORG SETTINGS_CHANGED: the names of the settings that changed. */
export function orgSettingsChangedEvent(orgId: string, changedFields: string[]): NewOrgEvent {
  return changeEvent(EventTopic.ORG, OrgChangeEventType.SETTINGS_CHANGED, { orgId, objectType: 'Org', rawId: orgId, changedFields });
}
