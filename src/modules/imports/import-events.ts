import { registerEnumType } from 'type-graphql';

/** Types of IMPORT events: what the import runs emit and `importProgress` delivers (one definition for both). */
export enum ImportEventType {
  PROGRESS = 'PROGRESS',
  COMPLETED = 'COMPLETED',
}
registerEnumType(ImportEventType, {
  name: 'ImportEventType',
  description: 'What an import progress event reports.',
  valuesConfig: {
    COMPLETED: { description: 'The import ended (COMPLETED or FAILED); the last event.' },
    PROGRESS: { description: 'A batch of rows was committed.' },
  },
});
