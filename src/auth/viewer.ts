import { AppError, ErrorCode, errorMessage, forbidden, unauthenticated } from '../errors';
import { chooseLocale, chooseTimeZone, type Locale } from '../i18n';
import { permissionsForScopes, type ApiScope } from './api-scopes';
import { MemberStatus, type AccountKind, type BuiltinRole, type Permission, type PermissionModule } from './vocabulary';

/**
 * What a viewer's account, org and membership are, as plain values copied when the viewer was loaded (the members
 * module loads them): no entity, so a viewer can be cached and shared across operations, and nothing writes through
 * it. Code that changes the account or membership loads its entity by id.
 */
export interface ViewerUser {
  readonly id: string;
  readonly kind: AccountKind;
  readonly name: string;
  readonly phone: string | null;
  readonly phoneVerifiedAt: Date | null;
  readonly email: string | null;
  readonly emailVerifiedAt: Date | null;
  readonly mustChangePassword: boolean;
  /** The issuing org of an enterprise account. */
  readonly orgId: string | null;
  readonly loginName: string | null;
  /** The saved language (`en`, `zh-CN`, `zh-TW`, `ja`); null: the client's `Accept-Language`, else the org's default. */
  readonly locale?: string | null;
  /** The saved IANA time zone; null: the org's. */
  readonly timeZone?: string | null;
}

export interface ViewerOrg {
  readonly id: string;
  readonly name: string;
  readonly code: string;
  readonly memberLimit: number;
  readonly invitesOpen: boolean;
  readonly rootDepartmentId: string;
  readonly invitationTtlSeconds: number;
  /** The org's default language and time zone, for people who saved none. */
  readonly locale?: string;
  readonly timeZone?: string;
}

export interface ViewerMember {
  readonly id: string;
  readonly orgId: string;
  readonly userId: string | null;
  readonly name: string;
  readonly phone: string | null;
  readonly email: string | null;
  readonly title: string | null;
  readonly employeeNo: string | null;
  readonly managerId: string | null;
  readonly status: MemberStatus;
  readonly joinedAt: Date | null;
}

/** A role the viewer holds, with the department subtrees it is limited to (empty: org-wide). */
export interface RoleGrant {
  roleId: string;
  builtin: BuiltinRole | null;
  permissions: Permission[];
  scopeDepartmentIds: string[];
  /** Materialised paths of the scope departments, for subtree checks without queries. */
  scopePaths: string[];
}

/** A partner system calling with an access token from `POST /oauth/token`: bound to one org and its scopes. */
export interface ApiClientIdentity {
  id: string;
  name: string;
  orgId: string;
  scopes: ApiScope[];
  /** The GraphQL types API clients may read and the module whose VIEW each needs (`readableTypesOf`). */
  readableTypes: ReadonlyMap<string, PermissionModule | null>;
}

/**
 * Who is asking: loaded once per operation from the bearer token. Either a person (`user`, and in an org `member`
 * with its role grants) or an API client (`apiClient`, no user or member, one grant made of its scopes).
 */
export class Viewer {
  /**
   * Set on the stand-in viewer of a shared subscription execution (`src/graphql/shared-execution.ts`): the member
   * ids that "is the viewer this member?" rules asked about (see `isViewerMember`).
   */
  identityProbe: Set<string> | null = null;

  constructor(
    readonly user: ViewerUser | null,
    readonly org: ViewerOrg | null = null,
    readonly member: ViewerMember | null = null,
    readonly grants: RoleGrant[] = [],
    readonly apiClient: ApiClientIdentity | null = null,
  ) {}

  static anonymous(): Viewer {
    return new Viewer(null);
  }

  /** A client's scopes act as one org-wide custom role, so `policy.ts` decides for clients exactly as for people. */
  static forApiClient(org: ViewerOrg, client: ApiClientIdentity): Viewer {
    const grant: RoleGrant = { roleId: `api-client:${client.id}`, builtin: null, permissions: permissionsForScopes(client.scopes), scopeDepartmentIds: [], scopePaths: [] };
    return new Viewer(null, org, null, [grant], client);
  }

  /** A person's account. API clients are refused: what needs a person (their own account, joining orgs) is not theirs. */
  requireUser(): ViewerUser {
    if (this.apiClient) throw apiClientRefused();
    if (!this.user) throw unauthenticated();
    return this.user;
  }

  /** The viewer's active membership in the current org; for operations only a person may run (API clients: FORBIDDEN). */
  requireMember(): { user: ViewerUser; org: ViewerOrg; member: ViewerMember } {
    const user = this.requireUser();
    if (!this.org || !this.member) throw forbidden(errorMessage('selectOrg'));
    if (this.member.status === MemberStatus.DISABLED) throw forbidden(errorMessage('membershipDisabled'));
    return { user, org: this.org, member: this.member };
  }

  /** The org the viewer acts in: an active member's, or an API client's. Every org-scoped operation starts here. */
  requireOrg(): ViewerOrg {
    if (this.apiClient && this.org) return this.org;
    return this.requireMember().org;
  }

  get orgId(): string {
    return this.requireOrg().id;
  }

  /** Who acts, for messages people receive (an invitation's sender): the member's name or the API client's. */
  get actorName(): string | null {
    return this.member?.name ?? this.apiClient?.name ?? null;
  }
}

export function apiClientRefused(): AppError {
  return forbidden(errorMessage('personOnly'));
}

export function passwordChangeRequired(): AppError {
  return new AppError(ErrorCode.PasswordChangeRequired, errorMessage('passwordChangeRequired'));
}

/** The language a viewer is answered in: their saved locale, else `acceptLanguage`, else their org's default. */
export function localeOfViewer(viewer: Viewer, acceptLanguage?: string | null): Locale {
  return chooseLocale({ saved: viewer.user?.locale, acceptLanguage, orgDefault: viewer.org?.locale });
}

/** The time zone dates are written in for a viewer: their own, else their org's, else UTC. */
export function timeZoneOfViewer(viewer: Viewer): string {
  return chooseTimeZone(viewer.user?.timeZone, viewer.org?.timeZone);
}
