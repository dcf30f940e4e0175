import { GatewayClient, GatewayError } from '../gateway-client';
import { h, mount, type Child } from '../dashboard/dom';
import {
  InviteAcceptDocument,
  InviteChangePasswordDocument,
  InviteChangePhoneDocument,
  InviteDeclineDocument,
  InviteLogInDocument,
  InviteLogInEnterpriseDocument,
  InvitePreviewDocument,
  InviteRequestEmailCodeDocument,
  InviteRequestPhoneCodeDocument,
  InviteSignUpDocument,
  InviteVerifyEmailDocument,
  InviteVerifyPhoneDocument,
  InviteViewerDocument,
  type InviteAcceptMutation,
  type InvitePreviewQuery,
  type InviteUserFragment,
} from '../generated/graphql';

const GRAPHQL_URL = new URL('/graphql', location.href).toString();
/** The invitee's session survives a reload of the tab (say, after fetching the SMS code), not the tab. */
const TOKEN_KEY = 'orggraph.invite.token';
/** The dashboard's own key (client/src/dashboard/main.ts): an admin who just joined opens it signed in. */
const DASHBOARD_TOKEN_KEY = 'orggraph.dashboard.token';
const ADMIN_ROLES = new Set(['OWNER', 'ADMIN', 'SUB_ADMIN']);

type Preview = NonNullable<InvitePreviewQuery['invitationPreview']>;
type User = InviteUserFragment;
type AuthMode = 'sign-up' | 'sign-in' | 'enterprise';
type Outcome =
  | { kind: 'accepted'; result: InviteAcceptMutation['acceptInvitation'] }
  | { kind: 'declined' }
  | { kind: 'member' };

function describe(error: unknown): string {
  if (error instanceof GatewayError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string | undefined {
  return error instanceof GatewayError ? error.code : undefined;
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' });
}

/** A form whose submit runs `action`, disabling its buttons meanwhile and showing a refusal in its status line. */
function form(id: string, action: () => Promise<void>, ...children: Child[]): HTMLFormElement {
  const status = h('p', { class: 'status', role: 'alert', id: `${id}-status` });
  const element = h('form', { id }, ...children, status);
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    const buttons = [...element.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    mount(status);
    action()
      .catch((error: unknown) => mount(status, describe(error)))
      .finally(() => {
        for (const button of buttons) if (button.isConnected) button.disabled = false;
      });
  });
  return element;
}

function field(label: string, input: HTMLInputElement, hint?: string): HTMLElement {
  return h('label', {}, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
}

/**
 * The invitee's journey: what the invitation offers, an account (sign up, sign in, or an enterprise account), the
 * phone or email the invitation was sent to verified, then accept or decline and what comes next. Every decision is
 * the gateway's; the page only says what it answered. One neutral page for every token that cannot be used.
 */
class InvitePage {
  private client = new GatewayClient({ url: GRAPHQL_URL, token: sessionStorage.getItem(TOKEN_KEY) });
  private preview: Preview | null = null;
  private user: User | null = null;
  private authMode: AuthMode = 'sign-up';
  /** The gateway's explanation when the signed-in account is not the one the invitation was sent to. */
  private mismatch: string | null = null;
  /** A phone change (mismatch) or a verification code requested: the step waits for the code. */
  private codeSentTo: string | null = null;
  /** Kept in memory only, to fill in the current password of an enterprise account's forced change. */
  private lastPassword = '';
  private outcome: Outcome | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
  ) {}

  async start(): Promise<void> {
    if (!this.token) return this.showDead();
    try {
      this.preview = (await this.client.request(InvitePreviewDocument, { token: this.token })).invitationPreview ?? null;
    } catch (error) {
      if (codeOf(error) === 'RATE_LIMITED') return this.showMessage('Too many attempts', 'Too many invitation links were tried from your network. Wait a few minutes, then open the link again.');
      if (codeOf(error) !== 'INVITATION_INVALID') return this.showMessage('Something went wrong', `The invitation could not be loaded: ${describe(error)}. Reload the page to try again.`);
    }
    if (!this.preview) return this.showDead();
    if (sessionStorage.getItem(TOKEN_KEY)) {
      try {
        this.user = (await this.client.request(InviteViewerDocument)).viewer.user;
      } catch (error) {
        // An initial enterprise password blocks every query but changePassword: keep the session for that step.
        if (codeOf(error) === 'PASSWORD_CHANGE_REQUIRED') this.user = { id: '', name: '', kind: 'ENTERPRISE', phone: null, phoneVerified: false, email: null, emailVerified: false, mustChangePassword: true };
        else this.signOut();
      }
    }
    this.render();
  }

  // --- pages ---------------------------------------------------------------------------------------------------

  /** Unknown, expired, used up, revoked, declined: the same words, so that a link tells nothing about its state. */
  private showDead(): void {
    document.title = 'Invitation · Orggraph';
    mount(
      this.root,
      h('main', { class: 'card', id: 'dead' },
        h('h1', { tabindex: '-1' }, 'This invitation can no longer be used'),
        h('p', {}, 'Ask the person who invited you to send you a new invitation.'),
        h('p', {}, h('a', { href: '/' }, 'Orggraph home')),
      ),
    );
    this.focusHeading();
  }

  private showMessage(title: string, text: string): void {
    mount(this.root, h('main', { class: 'card', id: 'notice' }, h('h1', { tabindex: '-1' }, title), h('p', {}, text)));
    this.focusHeading();
  }

  private render(): void {
    const preview = this.preview!;
    document.title = `Join ${preview.orgName} · Orggraph`;
    if (this.outcome) return this.renderOutcome(preview, this.outcome);
    mount(this.root, h('main', { class: 'stack' }, this.offer(preview), h('section', { class: 'card step', id: 'step', 'aria-live': 'polite' }, this.step(preview))));
    const first = this.root.querySelector<HTMLElement>('#step input:not([type=hidden]), #step button.primary');
    first?.focus();
  }

  private offer(preview: Preview): HTMLElement {
    const rows: Array<[string, Child]> = [
      [preview.roles.length > 1 ? 'Roles' : 'Role', preview.roles.join(', ')],
      [preview.departments.length > 1 ? 'Departments' : 'Department', preview.departments.join(', ')],
      ['Valid until', formatDate(preview.expiresAt)],
    ];
    if (preview.sentTo) rows.push([preview.channel === 'EMAIL' ? 'Sent to the address' : 'Sent to the number', h('span', { class: 'mono' }, preview.sentTo)]);
    return h('section', { class: 'card offer', id: 'offer', 'aria-labelledby': 'org-name' },
      h('p', { class: 'eyebrow' }, preview.invitedByName ? `${preview.invitedByName} invites you to join` : 'You are invited to join'),
      h('h1', { id: 'org-name' }, preview.orgName),
      preview.message ? h('blockquote', { id: 'invite-message' }, preview.message) : null,
      h('dl', {}, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    );
  }

  private step(preview: Preview): Child {
    const user = this.user;
    if (!user) return this.authStep(preview);
    const signedIn = h('p', { class: 'who', id: 'signed-in-as' },
      `Signed in as ${user.name || 'your enterprise account'}`,
      user.phone ? ` (${user.phone})` : null,
      ' · ',
      h('button', { type: 'button', class: 'link', id: 'switch-account', onclick: () => { this.signOut(); this.render(); } }, 'Use another account'),
    );
    if (user.mustChangePassword) return [signedIn, this.changePasswordStep()];
    // A number to bind or change to is waiting for its code, whatever else the account lacks.
    if (this.codeSentTo && !this.codeSentTo.includes('@') && this.codeSentTo !== user.phone) {
      return [signedIn, h('h2', {}, 'Enter the code'), this.phoneCodeForm(this.codeSentTo)];
    }
    if (this.mismatch) return [signedIn, this.mismatchStep(preview, user)];
    if (this.needsPhone(preview, user)) return [signedIn, this.verifyPhoneStep(user, preview)];
    if (preview.channel === 'EMAIL' && !user.emailVerified) return [signedIn, this.verifyEmailStep(preview)];
    return [signedIn, this.decideStep(preview)];
  }

  /** A phone invitation needs the verified number; a link asks a personal account to verify its phone before it is shared with the org. */
  private needsPhone(preview: Preview, user: User): boolean {
    if (preview.channel === 'PHONE') return !user.phoneVerified;
    return preview.channel === 'LINK' && !!user.phone && !user.phoneVerified;
  }

  private authStep(preview: Preview): Child {
    const tabs: Array<[AuthMode, string]> = [
      ['sign-up', 'Create account'],
      ['sign-in', 'Sign in'],
      ['enterprise', 'Enterprise account'],
    ];
    const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'How to sign in' },
      tabs.map(([mode, label]) =>
        h('button', {
          type: 'button', role: 'tab', id: `tab-${mode}`, 'aria-selected': String(mode === this.authMode), 'aria-controls': 'auth-panel',
          tabindex: mode === this.authMode ? '0' : '-1',
          onclick: () => this.switchAuth(mode),
          onkeydown: (event: Event) => this.tabKeys(event as KeyboardEvent, tabs.map(([m]) => m)),
        }, label),
      ),
    );
    const hint = preview.channel === 'PHONE' && preview.sentTo ? `Use the number this invitation was sent to: ${preview.sentTo}.` : undefined;
    return [h('h2', {}, 'Your account'), tablist, h('div', { id: 'auth-panel', role: 'tabpanel', 'aria-labelledby': `tab-${this.authMode}` }, this.authForm(hint))];
  }

  private switchAuth(mode: AuthMode): void {
    this.authMode = mode;
    this.render();
    this.root.querySelector<HTMLElement>(`#tab-${mode}`)?.focus();
  }

  /** Arrow keys move between the tabs, as the WAI-ARIA tabs pattern has it (Tab moves into the panel). */
  private tabKeys(event: KeyboardEvent, modes: AuthMode[]): void {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    this.switchAuth(modes[(modes.indexOf(this.authMode) + step + modes.length) % modes.length]!);
  }

  private authForm(phoneHint: string | undefined): HTMLElement {
    if (this.authMode === 'sign-up') {
      const name = h('input', { id: 'sign-up-name', name: 'name', autocomplete: 'name', required: true, maxlength: '100' });
      const phone = h('input', { id: 'sign-up-phone', name: 'phone', type: 'tel', autocomplete: 'tel', required: true, placeholder: '+86 139 0000 0000' });
      const password = h('input', { id: 'sign-up-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
      return form('sign-up', async () => {
        const { signUp } = await this.anonymous().request(InviteSignUpDocument, { input: { name: name.value.trim(), phone: phone.value.trim(), password: password.value } });
        this.enter(signUp.token, signUp.user);
      },
        field('Your name', name),
        field('Mobile phone', phone, phoneHint ?? 'We send a code by SMS to check it.'),
        field('Password', password, 'At least 8 characters.'),
        h('button', { type: 'submit', class: 'primary', id: 'sign-up-submit' }, 'Create account'),
      );
    }
    if (this.authMode === 'sign-in') {
      const phone = h('input', { id: 'sign-in-phone', name: 'phone', type: 'tel', autocomplete: 'username', required: true });
      const password = h('input', { id: 'sign-in-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
      return form('sign-in', async () => {
        const { logIn } = await this.anonymous().request(InviteLogInDocument, { input: { phone: phone.value.trim(), password: password.value } });
        this.enter(logIn.token, logIn.user);
      },
        field('Mobile phone', phone, phoneHint),
        field('Password', password),
        h('button', { type: 'submit', class: 'primary', id: 'sign-in-submit' }, 'Sign in'),
      );
    }
    const orgCode = h('input', { id: 'enterprise-org', name: 'orgCode', autocomplete: 'organization', required: true, autocapitalize: 'none' });
    const loginName = h('input', { id: 'enterprise-login', name: 'loginName', autocomplete: 'username', required: true, autocapitalize: 'none' });
    const password = h('input', { id: 'enterprise-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    return form('enterprise', async () => {
      const { logInWithEnterpriseAccount: auth } = await this.anonymous().request(InviteLogInEnterpriseDocument, {
        input: { orgCode: orgCode.value.trim(), loginName: loginName.value.trim(), password: password.value },
      });
      this.lastPassword = password.value;
      this.enter(auth.token, auth.user);
    },
      field('Org code', orgCode, 'The code of the org that issued your account.'),
      field('Login name', loginName),
      field('Password', password),
      h('button', { type: 'submit', class: 'primary', id: 'enterprise-submit' }, 'Sign in'),
    );
  }

  private changePasswordStep(): Child {
    const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true, value: this.lastPassword });
    const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
    return [
      h('h2', {}, 'Choose your own password'),
      h('p', {}, 'Your account was issued with an initial password: replace it before you go on.'),
      form('change-password', async () => {
        this.user = (await this.client.request(InviteChangePasswordDocument, { input: { currentPassword: current.value, newPassword: next.value } })).changePassword;
        this.lastPassword = '';
        this.render();
      },
        this.lastPassword ? null : field('Initial password', current),
        field('New password', next, 'At least 8 characters.'),
        h('button', { type: 'submit', class: 'primary', id: 'change-password-submit' }, 'Save password'),
      ),
    ];
  }

  private verifyPhoneStep(user: User, preview: Preview): Child {
    const target = this.codeSentTo ?? user.phone;
    const intro = preview.channel === 'PHONE'
      ? `The invitation was sent to ${preview.sentTo}: confirm that this number is yours.`
      : 'Confirm your mobile number before it is shared with the org.';
    if (!target) return [h('h2', {}, 'Add your mobile number'), this.changePhoneForm(preview)];
    return [
      h('h2', {}, 'Verify your phone'),
      h('p', {}, intro),
      this.codeSentTo
        ? this.phoneCodeForm(target)
        : form('send-code', async () => {
            this.codeSentTo = (await this.client.request(InviteRequestPhoneCodeDocument)).requestPhoneVerification.phone;
            this.render();
          },
            h('p', {}, 'We send a 6-digit code by SMS to ', h('span', { class: 'mono' }, target), '.'),
            h('button', { type: 'submit', class: 'primary', id: 'send-phone-code' }, 'Send code'),
          ),
    ];
  }

  private phoneCodeForm(sentTo: string): HTMLElement {
    const code = h('input', { id: 'phone-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
    const resend = h('button', { type: 'button', class: 'link', id: 'resend-phone-code' }, 'Send a new code');
    const verify = form('verify-phone', async () => {
      this.user = (await this.client.request(InviteVerifyPhoneDocument, { code: code.value.trim() })).verifyPhone;
      this.codeSentTo = null;
      this.mismatch = null;
      this.render();
    },
      field('Code', code, `Sent by SMS to ${sentTo}; valid for 10 minutes.`),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'verify-phone-submit' }, 'Verify'), resend),
    );
    resend.addEventListener('click', () => {
      const status = verify.querySelector('.status')!;
      this.client.request(InviteRequestPhoneCodeDocument).then(
        () => mount(status, 'A new code is on its way.'),
        (error: unknown) => mount(status, describe(error)),
      );
    });
    return verify;
  }

  /** Binds or changes the account's number: a code goes to the new number, which replaces the old once verified. */
  private changePhoneForm(preview: Preview): HTMLElement {
    const phone = h('input', { id: 'new-phone', type: 'tel', autocomplete: 'tel', required: true });
    return form('change-phone', async () => {
      this.codeSentTo = (await this.client.request(InviteChangePhoneDocument, { phone: phone.value.trim() })).changeMyPhone.phone;
      this.mismatch = null;
      this.render();
    },
      field('Mobile phone', phone, preview.sentTo && preview.channel === 'PHONE' ? `The number the invitation was sent to: ${preview.sentTo}.` : undefined),
      h('button', { type: 'submit', class: 'primary', id: 'change-phone-submit' }, 'Send code'),
    );
  }

  private verifyEmailStep(preview: Preview): Child {
    return [
      h('h2', {}, 'Verify your email address'),
      h('p', {}, `The invitation was sent to ${preview.sentTo}: confirm that this address is yours.`),
      this.emailForms(preview),
    ];
  }

  private emailForms(preview: Preview): HTMLElement {
    if (this.codeSentTo?.includes('@')) {
      const code = h('input', { id: 'email-code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', required: true });
      return form('verify-email', async () => {
        this.user = (await this.client.request(InviteVerifyEmailDocument, { code: code.value.trim() })).verifyEmail;
        this.codeSentTo = null;
        this.mismatch = null;
        this.render();
      },
        field('Code', code, `Sent to ${this.codeSentTo}; valid for 10 minutes.`),
        h('button', { type: 'submit', class: 'primary', id: 'verify-email-submit' }, 'Verify'),
      );
    }
    const email = h('input', { id: 'email-address', type: 'email', autocomplete: 'email', required: true });
    return form('email-address-form', async () => {
      this.codeSentTo = (await this.client.request(InviteRequestEmailCodeDocument, { email: email.value.trim() })).requestEmailVerification.email;
      this.render();
    },
      field('Email address', email, `The address the invitation was sent to: ${preview.sentTo}.`),
      h('button', { type: 'submit', class: 'primary', id: 'send-email-code' }, 'Send code'),
    );
  }

  /** The signed-in account is not the invitation's: say which number or address to use (masked), and how. */
  private mismatchStep(preview: Preview, user: User): Child {
    const noun = preview.channel === 'EMAIL' ? 'address' : 'number';
    const fix =
      preview.channel === 'EMAIL'
        ? [h('h3', {}, 'Or verify that address on this account'), this.emailForms(preview)]
        : [h('h3', {}, user.phone ? 'Or change this account\u2019s number to it' : 'Or bind that number to this account'), this.changePhoneForm(preview)];
    return [
      h('h2', {}, `This invitation is for another ${noun}`),
      h('p', { id: 'mismatch', class: 'warning' }, this.mismatch),
      h('p', {}, `Sign in with the account of that ${noun}: `, h('button', { type: 'button', class: 'link', onclick: () => { this.signOut(); this.render(); } }, 'use another account'), '.'),
      fix,
    ];
  }

  private decideStep(preview: Preview): Child {
    const status = h('p', { class: 'status', role: 'alert', id: 'decide-status' });
    const accept = h('button', { type: 'button', class: 'primary', id: 'accept' }, `Join ${preview.orgName}`);
    const decline = preview.channel === 'LINK' ? null : h('button', { type: 'button', class: 'secondary', id: 'decline' }, 'Decline');
    const run = (action: () => Promise<void>) => {
      accept.disabled = true;
      if (decline) decline.disabled = true;
      mount(status);
      action().catch((error: unknown) => {
        accept.disabled = false;
        if (decline) decline.disabled = false;
        this.refused(error, status);
      });
    };
    accept.addEventListener('click', () =>
      run(async () => {
        const { acceptInvitation } = await this.client.request(InviteAcceptDocument, { token: this.token });
        sessionStorage.setItem(TOKEN_KEY, acceptInvitation.token);
        this.outcome = { kind: 'accepted', result: acceptInvitation };
        this.render();
      }),
    );
    decline?.addEventListener('click', () =>
      run(async () => {
        await this.client.request(InviteDeclineDocument, { token: this.token });
        this.outcome = { kind: 'declined' };
        this.render();
      }),
    );
    return [
      h('h2', {}, 'Your answer'),
      h('p', {}, `Joining makes you a member of ${preview.orgName}: its admins see your name and verified phone or email.`),
      h('div', { class: 'actions' }, accept, decline),
      status,
    ];
  }

  private refused(error: unknown, status: HTMLElement): void {
    switch (codeOf(error)) {
      case 'INVITATION_RECIPIENT_MISMATCH':
        this.mismatch = mismatchText(error as GatewayError, this.user);
        this.codeSentTo = null;
        return this.render();
      case 'CONFLICT':
        this.outcome = { kind: 'member' };
        return this.render();
      case 'INVITATION_INVALID':
        return this.showDead();
      case 'UNAUTHENTICATED':
        this.signOut();
        return this.render();
      default:
        mount(status, describe(error));
    }
  }

  private renderOutcome(preview: Preview, outcome: Outcome): void {
    let body: Child;
    if (outcome.kind === 'accepted') {
      const { result } = outcome;
      const admin = result.member.roles.some(({ role }) => role.builtin && ADMIN_ROLES.has(role.builtin));
      body = [
        h('h1', { tabindex: '-1' }, 'You\u2019re in'),
        h('p', {}, `Welcome to ${result.org.name}, ${result.member.name}.`),
        admin
          ? [
              h('p', {}, 'You can manage the org from the dashboard: departments, members and invitations.'),
              h('p', {}, h('a', { class: 'button primary', id: 'open-dashboard', href: '/dashboard', onclick: () => sessionStorage.setItem(DASHBOARD_TOKEN_KEY, result.token) }, 'Open the dashboard')),
            ]
          : h('p', {}, 'Open your Orggraph app and sign in with this account: your colleagues, departments and notifications are there.'),
      ];
    } else if (outcome.kind === 'declined') {
      body = [h('h1', { tabindex: '-1' }, 'Invitation declined'), h('p', {}, `You will not join ${preview.orgName} through this invitation. If you change your mind, ask for a new one.`)];
    } else {
      body = [
        h('h1', { tabindex: '-1' }, 'You are already a member'),
        h('p', {}, `This account is already in ${preview.orgName}.`),
        h('p', {}, 'Admins manage it from the ', h('a', { href: '/dashboard' }, 'dashboard'), '.'),
      ];
    }
    mount(this.root, h('main', { class: 'card', id: 'done', 'data-outcome': outcome.kind }, body));
    this.focusHeading();
  }

  // --- session -------------------------------------------------------------------------------------------------

  private anonymous(): GatewayClient {
    return new GatewayClient({ url: GRAPHQL_URL, token: null });
  }

  private enter(token: string, user: User): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    this.client = new GatewayClient({ url: GRAPHQL_URL, token });
    this.user = user;
    this.mismatch = null;
    this.codeSentTo = null;
    this.render();
  }

  private signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    this.client = this.anonymous();
    this.user = null;
    this.mismatch = null;
    this.codeSentTo = null;
  }

  private focusHeading(): void {
    this.root.querySelector<HTMLElement>('h1')?.focus();
  }
}

/** The gateway names the masked number or address in `extensions` (its message also names API operations). */
function mismatchText(error: GatewayError, user: User | null): string {
  const extensions = error.errors[0]?.extensions ?? {};
  const expected = (extensions.expectedPhone ?? extensions.expectedEmail) as string | undefined;
  if (!expected) return error.message;
  if (extensions.expectedEmail) return `This invitation was sent to ${expected}. The account you are signed in with has not verified that address.`;
  const yours = user?.phone ? ` The account you are signed in with has the number ${user.phone}.` : '';
  return `This invitation was sent to ${expected}: accept it with an account whose verified number is ${expected}.${yours}`;
}

/** `/invite/<token>`: the token is the rest of the path (base64url, so nothing to decode but a stray escape). */
function tokenFromPath(): string {
  const rest = location.pathname.replace(/^\/invite\/?/, '').replace(/\/+$/, '');
  try {
    return decodeURIComponent(rest);
  } catch {
    return '';
  }
}

const root = document.getElementById('app');
if (root) {
  void new InvitePage(root, tokenFromPath()).start();
}
