import type { EntityManager } from '@mikro-orm/postgresql';
import { readableTypesOf } from './auth/api-scopes';
import type { ViewerLoader } from './auth/credential';
import type { Credential } from './auth/jwt';
import { Viewer } from './auth/viewer';
import { Contributions, type Contribution } from './contributions';
import { loaderMaker } from './graphql/loaders';
import type { GuessedSecrets } from './limits/operation-limits';
import { accountGuessedSecrets, accountsModule, createAccountLoaders } from './modules/accounts';
import { apiClientsModule, createApiClientLoaders, loadApiClientViewer } from './modules/api-clients';
import { auditModule } from './modules/audit';
import { changesModule } from './modules/changes';
import { contactsModule, createContactLoaders } from './modules/contacts';
import { createDepartmentLoaders, departmentsModule } from './modules/departments';
import { createImportLoaders, importsModule } from './modules/imports';
import { createInvitationLoaders, invitationGuessedSecrets, invitationsModule } from './modules/invitations';
import { createOrgGraphLoaders, createSubscriberDirectory, loadViewer, membersModule } from './modules/members';
import { createNotificationLoaders, notificationsModule } from './modules/notifications';
import { orgsModule } from './modules/orgs';
import { outboxModule } from './modules/outbox';
import { createRoleLoaders, rolesModule } from './modules/roles';
import { webhooksModule } from './modules/webhooks';

/** What one feature module gives the rest: its entities, its resolvers, and what it contributes to other modules. */
interface FeatureModule {
  entities: Function[];
  resolvers: Function[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module mixes kinds
  contributions: ReadonlyArray<Contribution<any>>;
}

/** Every feature module, collected here from their `index.ts` exports: nothing registers itself on import. */
const featureModules: FeatureModule[] = [
  accountsModule,
  orgsModule,
  departmentsModule,
  membersModule,
  rolesModule,
  auditModule,
  outboxModule,
  invitationsModule,
  importsModule,
  notificationsModule,
  contactsModule,
  apiClientsModule,
  changesModule,
  webhooksModule,
];

export { createSubscriberDirectory };

export const entities = featureModules.flatMap((module) => module.entities);

export const resolvers = featureModules.flatMap((module) => module.resolvers);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list mixes kinds
export const moduleContributions: ReadonlyArray<Contribution<any>> = featureModules.flatMap((module) => module.contributions);

export const contributions = new Contributions(moduleContributions);

/** Every operation's loaders: the org graph's first, then each module's (departments' build on `departmentById`). */
export const createLoaders = loaderMaker([
  (em, org, mapRow) => createOrgGraphLoaders(em, org, mapRow),
  (em, org, _mapRow, made) => createDepartmentLoaders(em, org, made.departmentById),
  (em, org) => createRoleLoaders(em, org),
  (em, org) => createAccountLoaders(em, org),
  (em, org) => createInvitationLoaders(em, org),
  (em, org) => createImportLoaders(em, org),
  (em, org) => createApiClientLoaders(em, org),
  (em, org) => createNotificationLoaders(em, org),
  (em, org, _mapRow, made) => createContactLoaders(em, org, made),
]);

/** The operations whose arguments guess at secrets, with the budget each spends from. */
export const guessedSecrets = { ...accountGuessedSecrets, ...invitationGuessedSecrets } satisfies GuessedSecrets;

const apiClientReadableTypes = readableTypesOf(contributions);

/** The viewer a verified credential speaks for: an API client's current row, or a person with their membership. */
export const loadViewerFor: ViewerLoader = (em: EntityManager, credential: Credential | null) => {
  if (!credential) return Promise.resolve(Viewer.anonymous());
  if (credential.kind === 'apiClient') return loadApiClientViewer(em, credential, apiClientReadableTypes);
  return loadViewer(em, credential.sub, credential.org);
};
