import { GatewayClient, GatewayError } from '../gateway-client';
import {
  DashboardCreateInviteLinkDocument,
  DashboardDepartmentSubtreeDocument,
  DashboardDepartmentTreeDocument,
  DashboardInvitationEventsDocument,
  DashboardInviteLinkQrCodeDocument,
  DashboardLogInDocument,
  DashboardMemberJoinedDocument,
  DashboardPendingInvitationsDocument,
  DashboardRevokeInvitationDocument,
  DashboardSwitchOrgDocument,
  DashboardViewerDocument,
  type DashboardDepartmentFragment,
  type DashboardInvitationFragment,
  type DashboardMemberJoinedSubscription,
  type DashboardViewerQuery,
} from '../generated/graphql';
import { formatTime, h, mount } from './dom';

const GRAPHQL_URL = new URL('/graphql', location.href).toString();
/** The session survives a reload of the tab, not the tab itself. */
const TOKEN_KEY = 'orggraph.dashboard.token';
const PENDING_PAGE_SIZE = 100;
/** Members shown in "Joined live", newest first. */
const JOINED_SHOWN = 50;
/** Events often come in bursts (an import, a link shared in a chat): one refresh of the counts per burst. */
const REFRESH_DEBOUNCE_MS = 250;
const RESUBSCRIBE_DELAYS_MS = [500, 1_000, 2_000, 5_000];

type Viewer = DashboardViewerQuery['viewer'];
/** A department as shown; `children` undefined while its sub-departments are not loaded yet. */
type DepartmentNode = DashboardDepartmentFragment & { children?: DepartmentNode[] };
type JoinedMember = NonNullable<DashboardMemberJoinedSubscription['memberEvents']['member']> & { eventId: string };
type SocketState = 'connecting' | 'connected' | 'closed';

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

function describe(error: unknown): string {
  if (error instanceof GatewayError) return error.code ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

class Dashboard {
  private client = new GatewayClient({ url: GRAPHQL_URL, token: null });
  private viewer: Viewer | null = null;
  private tree: DepartmentNode | null = null;
  /** Departments whose sub-departments were loaded on demand: loaded again when the tree is refreshed. */
  private readonly expandedOnDemand = new Set<string>();
  private readonly collapsed = new Set<string>();
  private invitations: DashboardInvitationFragment[] = [];
  private invitationsTotal = 0;
  private joined: JoinedMember[] = [];
  private qr: { invitationId: string; url: string; src: string } | null = null;
  private socketState: SocketState = 'closed';
  /** Cursors of the last events received, to resume after a reconnect without missing any. */
  private lastMemberEventId: string | null = null;
  private lastInvitationEventId: string | null = null;
  private resubscribeAttempt = 0;
  /** The socket closed after it had been connected: read everything again once it is back. */
  private connectionLost = false;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped on sign-in, sign-out and org switch: answers and timers of an earlier session are dropped. */
  private session = 0;

  constructor(private readonly root: HTMLElement) {}

  start(): void {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) this.enter(token).catch((error: unknown) => this.signOut(describe(error)));
    else this.showSignIn();
  }

  // --- session -------------------------------------------------------------------------------------------------

  private showSignIn(message?: string): void {
    const phone = h('input', { id: 'sign-in-phone', name: 'phone', type: 'tel', autocomplete: 'username', required: true, placeholder: '+86 139 0000 0000' });
    const password = h('input', { id: 'sign-in-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const status = h('p', { id: 'sign-in-status', class: message ? 'notice error' : 'notice', role: 'status' }, message);
    const submit = h('button', { type: 'submit', id: 'sign-in-submit' }, 'Sign in');
    const form = h(
      'form',
      {
        id: 'sign-in',
        class: 'card sign-in',
        onsubmit: (event: Event) => {
          event.preventDefault();
          submit.disabled = true;
          mount(status, 'Signing in…');
          status.className = 'notice';
          this.signIn(phone.value.trim(), password.value).catch((error: unknown) => {
            submit.disabled = false;
            status.className = 'notice error';
            mount(status, describe(error));
          });
        },
      },
      h('h1', {}, 'Orggraph dashboard'),
      h('label', {}, 'Phone', phone),
      h('label', {}, 'Password', password),
      submit,
      status,
    );
    mount(this.root, form);
    phone.focus();
  }

  private async signIn(phone: string, password: string): Promise<void> {
    const { logIn } = await new GatewayClient({ url: GRAPHQL_URL, token: null }).request(DashboardLogInDocument, { input: { phone, password } });
    await this.enter(logIn.token);
  }

  private signOut(message?: string): void {
    this.session++;
    sessionStorage.removeItem(TOKEN_KEY);
    this.client.dispose();
    this.client = new GatewayClient({ url: GRAPHQL_URL, token: null });
    this.viewer = null;
    this.showSignIn(message);
  }

  /** Opens the dashboard for a token: loads the viewer, subscribes, then loads the tree and the invitations. */
  private async enter(token: string): Promise<void> {
    const session = ++this.session;
    this.client.dispose();
    this.client = new GatewayClient({ url: GRAPHQL_URL, token, onSocketState: (state) => this.onSocketState(session, state) });
    this.tree = null;
    this.invitations = [];
    this.joined = [];
    this.qr = null;
    this.lastMemberEventId = this.lastInvitationEventId = null;
    this.socketState = 'closed';
    this.connectionLost = false;
    this.expandedOnDemand.clear();
    this.collapsed.clear();
    let viewer: Viewer;
    try {
      viewer = (await this.client.request(DashboardViewerDocument)).viewer;
    } catch (error) {
      if (session !== this.session) return;
      if (error instanceof GatewayError && error.code === 'UNAUTHENTICATED') return this.signOut('Your session has ended: sign in again.');
      sessionStorage.removeItem(TOKEN_KEY);
      throw error;
    }
    if (session !== this.session) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    this.viewer = viewer;
    this.renderLayout();
    if (!viewer.org) return this.notify('You are not an active member of any org yet.', 'error');
    // Subscribe before reading, so that nothing happening in between is lost (it arrives live and refreshes).
    this.subscribeMemberEvents(session);
    this.subscribeInvitationEvents(session);
    await Promise.all([this.loadTree(session), this.loadInvitations(session)]);
  }

  private async switchOrg(orgId: string, select: HTMLSelectElement): Promise<void> {
    let token: string;
    try {
      token = (await this.client.request(DashboardSwitchOrgDocument, { orgId })).switchOrg.token;
    } catch (error) {
      select.value = this.viewer?.org?.id ?? '';
      return this.notify(`Could not switch org: ${describe(error)}`, 'error');
    }
    // From here the previous org's session is gone: a failure leaves nothing to go back to.
    await this.enter(token).catch((error: unknown) => this.signOut(describe(error)));
  }

  // --- live updates --------------------------------------------------------------------------------------------

  private onSocketState(session: number, state: SocketState): void {
    if (session !== this.session) return;
    if (state === 'closed' && this.socketState === 'connected') this.connectionLost = true;
    this.socketState = state;
    this.renderLiveStatus();
    if (state !== 'connected') return;
    this.resubscribeAttempt = 0;
    if (this.connectionLost) this.scheduleRefresh(session); // counts and invitations may have changed meanwhile
    this.connectionLost = false;
  }

  /**
   * Where a stream resumes: after its own last event, else after the other stream's (the ids are the org's one
   * event sequence, and both streams opened together), else from now.
   */
  private resumeAfter(own: string | null): string | null {
    return own ?? this.lastMemberEventId ?? this.lastInvitationEventId;
  }

  private subscribeMemberEvents(session: number): void {
    this.client.subscribe(DashboardMemberJoinedDocument, { after: this.resumeAfter(this.lastMemberEventId) }, {
      next: ({ memberEvents }) => {
        if (session !== this.session) return;
        this.lastMemberEventId = memberEvents.id;
        if (memberEvents.member) {
          this.joined = [{ ...memberEvents.member, eventId: memberEvents.id }, ...this.joined].slice(0, JOINED_SHOWN);
          this.renderJoined();
        }
        this.scheduleRefresh(session);
      },
      error: (error) => this.onLiveError(session, error, () => this.subscribeMemberEvents(session)),
    });
  }

  private subscribeInvitationEvents(session: number): void {
    this.client.subscribe(DashboardInvitationEventsDocument, { after: this.resumeAfter(this.lastInvitationEventId) }, {
      next: ({ invitationEvents }) => {
        if (session !== this.session) return;
        this.lastInvitationEventId = invitationEvents.id;
        this.scheduleRefresh(session);
      },
      error: (error) => this.onLiveError(session, error, () => this.subscribeInvitationEvents(session)),
    });
  }

  /** A closed socket is reopened by subscribing again from the last event seen; refusals are shown and final. */
  private onLiveError(session: number, error: GatewayError, subscribeAgain: () => void): void {
    if (session !== this.session) return;
    if (error.code === 'UNAUTHENTICATED') return this.signOut('Your session has ended: sign in again.');
    if (error.code !== 'SOCKET_CLOSED') return this.notify(`Live updates unavailable: ${describe(error)}`, 'error');
    const delay = RESUBSCRIBE_DELAYS_MS[Math.min(this.resubscribeAttempt++, RESUBSCRIBE_DELAYS_MS.length - 1)]!;
    setTimeout(() => {
      if (session === this.session) subscribeAgain();
    }, delay);
  }

  private scheduleRefresh(session: number): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (session !== this.session) return;
      void Promise.all([this.loadTree(session), this.loadInvitations(session)]);
    }, REFRESH_DEBOUNCE_MS);
  }

  // --- data ----------------------------------------------------------------------------------------------------

  private async loadTree(session: number): Promise<void> {
    try {
      const { viewer } = await this.client.request(DashboardDepartmentTreeDocument);
      let tree: DepartmentNode | null = viewer.org?.rootDepartment ?? null;
      // Keep what was opened on demand open, one level at a time (parents before their children).
      for (const id of [...this.expandedOnDemand]) {
        const node = tree && findDepartment(tree, id);
        if (!node) this.expandedOnDemand.delete(id);
        else if (!node.children) node.children = await this.loadSubtree(id);
      }
      if (session !== this.session) return;
      this.tree = tree;
      this.renderTree();
      if (viewer.org) this.renderQuota(viewer.org.memberQuota);
    } catch (error) {
      if (session === this.session) this.notify(`Could not load the departments: ${describe(error)}`, 'error');
    }
  }

  private async loadSubtree(id: string): Promise<DepartmentNode[]> {
    const { department } = await this.client.request(DashboardDepartmentSubtreeDocument, { id });
    return department?.children ?? []; // deleted meanwhile: nothing to expand
  }

  private async expand(node: DepartmentNode): Promise<void> {
    const session = this.session;
    try {
      const children = await this.loadSubtree(node.id);
      if (session !== this.session) return;
      node.children = children;
      this.expandedOnDemand.add(node.id);
      this.renderTree();
    } catch (error) {
      this.notify(`Could not load ${node.name}: ${describe(error)}`, 'error');
    }
  }

  private async loadInvitations(session: number): Promise<void> {
    try {
      const { invitations } = await this.client.request(DashboardPendingInvitationsDocument, { first: PENDING_PAGE_SIZE });
      if (session !== this.session) return;
      this.invitations = invitations.nodes;
      this.invitationsTotal = invitations.totalCount;
      if (this.qr && !this.invitations.some((invitation) => invitation.id === this.qr?.invitationId)) this.qr = null;
      this.renderInvitations();
    } catch (error) {
      if (session === this.session) this.notify(`Could not load the invitations: ${describe(error)}`, 'error');
    }
  }

  private async createInviteLink(maxUses: number | null, expiresInDays: number | null): Promise<void> {
    const session = this.session;
    const { createInviteLink } = await this.client.request(DashboardCreateInviteLinkDocument, {
      input: { maxUses, expiresIn: expiresInDays === null ? null : Math.round(expiresInDays * 86_400) },
    });
    if (session !== this.session) return;
    this.invitations = [createInviteLink.invitation, ...this.invitations.filter((invitation) => invitation.id !== createInviteLink.invitation.id)];
    await this.showQrCode(createInviteLink.invitation.id);
  }

  private async showQrCode(invitationId: string): Promise<void> {
    const session = this.session;
    try {
      const { inviteLinkQrCode } = await this.client.request(DashboardInviteLinkQrCodeDocument, { id: invitationId });
      if (session !== this.session) return;
      this.qr = { invitationId, url: inviteLinkQrCode.url, src: `data:${inviteLinkQrCode.mimeType};base64,${inviteLinkQrCode.data}` };
      this.renderInvitations();
    } catch (error) {
      this.notify(`Could not render the QR code: ${describe(error)}`, 'error');
    }
  }

  private async revoke(invitation: DashboardInvitationFragment): Promise<void> {
    const session = this.session;
    try {
      await this.client.request(DashboardRevokeInvitationDocument, { id: invitation.id });
      if (session !== this.session) return;
      this.invitations = this.invitations.filter((candidate) => candidate.id !== invitation.id);
      this.invitationsTotal = Math.max(0, this.invitationsTotal - 1);
      if (this.qr?.invitationId === invitation.id) this.qr = null;
      this.renderInvitations();
      this.notify(`Revoked the invitation ${invitationLabel(invitation)}.`);
    } catch (error) {
      this.notify(`Could not revoke: ${describe(error)}`, 'error');
    }
  }

  // --- rendering -----------------------------------------------------------------------------------------------

  private notify(message: string, kind: 'info' | 'error' = 'info'): void {
    const notice = document.getElementById('notice');
    if (!notice) return;
    notice.className = `notice ${kind}`;
    mount(notice, message);
  }

  private renderLayout(): void {
    const viewer = this.viewer!;
    const orgChoice =
      viewer.orgs.length > 1
        ? h(
            'select',
            {
              id: 'org-select',
              'aria-label': 'Org',
              onchange: (event: Event) => {
                const select = event.target as HTMLSelectElement;
                void this.switchOrg(select.value, select);
              },
            },
            viewer.orgs.map((org) => h('option', { value: org.id, selected: org.id === viewer.org?.id }, org.name)),
          )
        : h('span', { id: 'org-name' }, viewer.org?.name ?? 'No org');
    mount(
      this.root,
      h(
        'header',
        { class: 'top' },
        h('h1', {}, 'Orggraph'),
        orgChoice,
        viewer.org && h('span', { class: 'quota', id: 'quota' }),
        h('span', { id: 'live-status', class: 'live' }),
        h('span', { class: 'user', id: 'user-name' }, viewer.user.name),
        h('button', { type: 'button', id: 'sign-out', class: 'link', onclick: () => this.signOut() }, 'Sign out'),
      ),
      h('p', { id: 'notice', class: 'notice', role: 'status' }),
      viewer.org &&
        h(
          'main',
          { class: 'grid' },
          h('section', { class: 'card', id: 'departments' }, h('h2', {}, 'Departments'), h('div', { id: 'tree' }, 'Loading…')),
          h(
            'section',
            { class: 'card', id: 'invitations' },
            h('h2', {}, 'Invitations'),
            this.inviteLinkForm(),
            h('div', { id: 'qr' }),
            h('div', { id: 'pending' }, 'Loading…'),
          ),
          h('section', { class: 'card', id: 'activity' }, h('h2', {}, 'Joined live'), h('ul', { id: 'joined', class: 'joined' })),
        ),
    );
    this.renderLiveStatus();
    this.renderJoined();
    if (viewer.org) this.renderQuota(viewer.org.memberQuota);
  }

  private renderQuota(quota: { used: number; limit: number }): void {
    const element = document.getElementById('quota');
    if (element) mount(element, `${quota.used.toLocaleString()} of ${quota.limit.toLocaleString()} seats used`);
  }

  private inviteLinkForm(): HTMLFormElement {
    const maxUses = h('input', { id: 'link-max-uses', type: 'number', min: 1, max: 100000, placeholder: 'unlimited' });
    const expiresInDays = h('input', { id: 'link-expires-days', type: 'number', min: 1, max: 365, placeholder: 'org default' });
    const submit = h('button', { type: 'submit', id: 'create-link' }, 'Create invite link');
    return h(
      'form',
      {
        id: 'invite-link-form',
        class: 'inline',
        onsubmit: (event: Event) => {
          event.preventDefault();
          submit.disabled = true;
          this.createInviteLink(maxUses.value ? Number(maxUses.value) : null, expiresInDays.value ? Number(expiresInDays.value) : null)
            .catch((error: unknown) => this.notify(`Could not create the link: ${describe(error)}`, 'error'))
            .finally(() => (submit.disabled = false));
        },
      },
      h('label', {}, 'Uses', maxUses),
      h('label', {}, 'Days valid', expiresInDays),
      submit,
    );
  }

  private renderLiveStatus(): void {
    const status = document.getElementById('live-status');
    if (!status) return;
    const label = { connecting: 'connecting…', connected: 'live', closed: 'offline' }[this.socketState];
    status.dataset.state = this.socketState;
    mount(status, label);
  }

  private renderTree(): void {
    const container = document.getElementById('tree');
    if (!container) return;
    if (!this.tree) return mount(container, 'No departments.');
    mount(container, h('ul', { class: 'tree', role: 'tree' }, this.departmentItem(this.tree)));
  }

  private departmentItem(node: DepartmentNode): HTMLLIElement {
    const collapsed = this.collapsed.has(node.id);
    const toggle =
      node.children === undefined
        ? h('button', { type: 'button', class: 'toggle', title: 'Show sub-departments', onclick: () => void this.expand(node) }, '+')
        : node.children.length > 0
          ? h(
              'button',
              {
                type: 'button',
                class: 'toggle',
                title: collapsed ? 'Expand' : 'Collapse',
                onclick: () => {
                  if (collapsed) this.collapsed.delete(node.id);
                  else this.collapsed.add(node.id);
                  this.renderTree();
                },
              },
              collapsed ? '▸' : '▾',
            )
          : h('span', { class: 'toggle' });
    return h(
      'li',
      { role: 'treeitem', 'data-department-id': node.id },
      h(
        'div',
        { class: 'department' },
        toggle,
        h('span', { class: 'name' }, node.name),
        h('span', { class: 'count', title: 'Members here and below' }, String(node.memberCount)),
      ),
      node.children && node.children.length > 0 && !collapsed && h('ul', { role: 'group' }, node.children.map((child) => this.departmentItem(child))),
    );
  }

  private renderInvitations(): void {
    const qr = document.getElementById('qr');
    if (qr) {
      mount(
        qr,
        this.qr &&
          h(
            'figure',
            { class: 'qr' },
            h('img', { id: 'qr-image', src: this.qr.src, alt: 'QR code of the invite link', width: 192, height: 192 }),
            h('figcaption', {}, h('input', { id: 'qr-url', readonly: true, value: this.qr.url, onfocus: (event: Event) => (event.target as HTMLInputElement).select() })),
          ),
      );
    }
    const pending = document.getElementById('pending');
    if (!pending) return;
    const shown = this.invitations.length < this.invitationsTotal ? ` (newest ${this.invitations.length} shown)` : '';
    mount(
      pending,
      h('h3', {}, `Pending: ${this.invitationsTotal}${shown}`),
      this.invitations.length === 0
        ? h('p', { class: 'empty' }, 'No pending invitations.')
        : h(
            'ul',
            { class: 'invitations' },
            this.invitations.map((invitation) =>
              h(
                'li',
                { 'data-invitation-id': invitation.id },
                h('span', { class: 'channel' }, invitation.channel.toLowerCase()),
                h('span', { class: 'who' }, invitationLabel(invitation)),
                h(
                  'span',
                  { class: 'meta' },
                  invitation.departments.map((department) => department.name).join(', '),
                  invitation.channel === 'LINK' && ` · used ${invitation.useCount}${invitation.maxUses === null || invitation.maxUses === undefined ? '' : ` of ${invitation.maxUses}`}`,
                  ` · expires ${formatTime(invitation.expiresAt)}`,
                ),
                invitation.channel === 'LINK' &&
                  h('button', { type: 'button', class: 'link', onclick: () => void this.showQrCode(invitation.id) }, 'QR'),
                h('button', { type: 'button', class: 'revoke', onclick: () => void this.revoke(invitation) }, 'Revoke'),
              ),
            ),
          ),
    );
  }

  private renderJoined(): void {
    const list = document.getElementById('joined');
    if (!list) return;
    mount(
      list,
      this.joined.length === 0
        ? h('li', { class: 'empty' }, 'Members who join while this page is open appear here.')
        : this.joined.map((member) =>
            h(
              'li',
              { 'data-member-id': member.id },
              h('span', { class: 'name' }, member.name),
              h('span', { class: 'meta' }, member.departments.map((department) => department.name).join(', '), member.joinedAt && ` · ${formatTime(member.joinedAt)}`),
            ),
          ),
    );
  }
}

function findDepartment(node: DepartmentNode, id: string): DepartmentNode | null {
  if (node.id === id) return node;
  for (const child of node.children ?? []) {
    const found = findDepartment(child, id);
    if (found) return found;
  }
  return null;
}

function invitationLabel(invitation: DashboardInvitationFragment): string {
  if (invitation.channel === 'LINK') return invitation.url ?? 'invite link';
  return [invitation.name, invitation.phone ?? invitation.email].filter(Boolean).join(' · ');
}

new Dashboard(byId('app')).start();
