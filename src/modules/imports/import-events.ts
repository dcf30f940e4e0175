import { registerEnumType } from 'type-graphql';

/** Types of IMPORT events: what the import runs emit and `importProgress` delivers (one definition for both). */
export enum ImportEventType {
  PROGRESS = 'PROGRESS',
  COMPLETED = 'COMPLETED',
}
registerEnumType(ImportEventType, { name: 'ImportEventType' });
