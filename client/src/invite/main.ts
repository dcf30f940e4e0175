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
import { formatDate, loadMessages, t } from './messages';

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
      if (codeOf(error) === 'RATE_LIMITED') return this.showMessage(t('error.tooManyTitle'), t('error.tooManyText'));
      if (codeOf(error) !== 'INVITATION_INVALID') return this.showMessage(t('error.loadTitle'), t('error.loadText', { reason: describe(error) }));
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
    document.title = t('title.page');
    mount(
      this.root,
      h('main', { class: 'card', id: 'dead' },
        h('h1', { tabindex: '-1' }, t('dead.heading')),
        h('p', {}, t('dead.text')),
        h('p', {}, h('a', { href: '/' }, t('dead.home'))),
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
    document.title = t('title.join', { orgName: preview.orgName });
    if (this.outcome) return this.renderOutcome(preview, this.outcome);
    mount(this.root, h('main', { class: 'stack' }, this.offer(preview), h('section', { class: 'card step', id: 'step', 'aria-live': 'polite' }, this.step(preview))));
    const first = this.root.querySelector<HTMLElement>('#step input:not([type=hidden]), #step button.primary');
    first?.focus();
  }

  private offer(preview: Preview): HTMLElement {
    const rows: Array<[string, Child]> = [
      [t('offer.roles', { count: preview.roles.length }), preview.roles.join(', ')],
      [t('offer.departments', { count: preview.departments.length }), preview.departments.join(', ')],
      [t('offer.validUntil'), formatDate(preview.expiresAt)],
    ];
    if (preview.sentTo) rows.push([preview.channel === 'EMAIL' ? t('offer.sentToAddress') : t('offer.sentToNumber'), h('span', { class: 'mono' }, preview.sentTo)]);
    return h('section', { class: 'card offer', id: 'offer', 'aria-labelledby': 'org-name' },
      h('p', { class: 'eyebrow' }, preview.invitedByName ? t('offer.invitedBy', { inviterName: preview.invitedByName }) : t('offer.invited')),
      h('h1', { id: 'org-name' }, preview.orgName),
      preview.message ? h('blockquote', { id: 'invite-message' }, preview.message) : null,
      h('dl', {}, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    );
  }

  private step(preview: Preview): Child {
    const user = this.user;
    if (!user) return this.authStep(preview);
    const signedIn = h('p', { class: 'who', id: 'signed-in-as' },
      t('session.signedInAs', { name: user.name || t('session.enterpriseAccount') }),
      user.phone ? ` (${user.phone})` : null,
      ' · ',
      h('button', { type: 'button', class: 'link', id: 'switch-account', onclick: () => { this.signOut(); this.render(); } }, t('session.useAnother')),
    );
    if (user.mustChangePassword) return [signedIn, this.changePasswordStep()];
    // A number to bind or change to is waiting for its code, whatever else the account lacks.
    if (this.codeSentTo && !this.codeSentTo.includes('@') && this.codeSentTo !== user.phone) {
      return [signedIn, h('h2', {}, t('phone.enterCode')), this.phoneCodeForm(this.codeSentTo)];
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
      ['sign-up', t('auth.tabSignUp')],
      ['sign-in', t('auth.tabSignIn')],
      ['enterprise', t('auth.tabEnterprise')],
    ];
    const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('auth.howToSignIn') },
      tabs.map(([mode, label]) =>
        h('button', {
          type: 'button', role: 'tab', id: `tab-${mode}`, 'aria-selected': String(mode === this.authMode), 'aria-controls': 'auth-panel',
          tabindex: mode === this.authMode ? '0' : '-1',
          onclick: () => this.switchAuth(mode),
          onkeydown: (event: Event) => this.tabKeys(event as KeyboardEvent, tabs.map(([m]) => m)),
        }, label),
      ),
    );
    const hint = preview.channel === 'PHONE' && preview.sentTo ? t('auth.useInvitedNumber', { phone: preview.sentTo }) : undefined;
    return [h('h2', {}, t('auth.heading')), tablist, h('div', { id: 'auth-panel', role: 'tabpanel', 'aria-labelledby': `tab-${this.authMode}` }, this.authForm(hint))];
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
        field(t('auth.name'), name),
        field(t('auth.mobile'), phone, phoneHint ?? t('auth.smsCheck')),
        field(t('auth.password'), password, t('auth.passwordHint')),
        h('button', { type: 'submit', class: 'primary', id: 'sign-up-submit' }, t('auth.createAccount')),
      );
    }
    if (this.authMode === 'sign-in') {
      const phone = h('input', { id: 'sign-in-phone', name: 'phone', type: 'tel', autocomplete: 'username', required: true });
      const password = h('input', { id: 'sign-in-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
      return form('sign-in', async () => {
        const { logIn } = await this.anonymous().request(InviteLogInDocument, { input: { phone: phone.value.trim(), password: password.value } });
        this.enter(logIn.token, logIn.user);
      },
        field(t('auth.mobile'), phone, phoneHint),
        field(t('auth.password'), password),
        h('button', { type: 'submit', class: 'primary', id: 'sign-in-submit' }, t('auth.signIn')),
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
      field(t('auth.orgCode'), orgCode, t('auth.orgCodeHint')),
      field(t('auth.loginName'), loginName),
      field(t('auth.password'), password),
      h('button', { type: 'submit', class: 'primary', id: 'enterprise-submit' }, t('auth.signIn')),
    );
  }

  private changePasswordStep(): Child {
    const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true, value: this.lastPassword });
    const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
    return [
      h('h2', {}, t('password.heading')),
      h('p', {}, t('password.text')),
      form('change-password', async () => {
        this.user = (await this.client.request(InviteChangePasswordDocument, { input: { currentPassword: current.value, newPassword: next.value } })).changePassword;
        this.lastPassword = '';
        this.render();
      },
        this.lastPassword ? null : field(t('password.initial'), current),
        field(t('password.new'), next, t('auth.passwordHint')),
        h('button', { type: 'submit', class: 'primary', id: 'change-password-submit' }, t('password.save')),
      ),
    ];
  }

  private verifyPhoneStep(user: User, preview: Preview): Child {
    const target = this.codeSentTo ?? user.phone;
    const intro = preview.channel === 'PHONE'
      ? t('phone.confirmInvited', { phone: preview.sentTo ?? '' })
      : t('phone.confirmBeforeSharing');
    if (!target) return [h('h2', {}, t('phone.addHeading')), this.changePhoneForm(preview)];
    return [
      h('h2', {}, t('phone.verifyHeading')),
      h('p', {}, intro),
      this.codeSentTo
        ? this.phoneCodeForm(target)
        : form('send-code', async () => {
            this.codeSentTo = (await this.client.request(InviteRequestPhoneCodeDocument)).requestPhoneVerification.phone;
            this.render();
          },
            h('p', {}, t('phone.weSend', { phone: target })),
            h('button', { type: 'submit', class: 'primary', id: 'send-phone-code' }, t('phone.sendCode')),
          ),
    ];
  }

  private phoneCodeForm(sentTo: string): HTMLElement {
    const code = h('input', { id: 'phone-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
    const resend = h('button', { type: 'button', class: 'link', id: 'resend-phone-code' }, t('phone.resend'));
    const verify = form('verify-phone', async () => {
      this.user = (await this.client.request(InviteVerifyPhoneDocument, { code: code.value.trim() })).verifyPhone;
      this.codeSentTo = null;
      this.mismatch = null;
      this.render();
    },
      field(t('phone.code'), code, t('phone.codeSentBySms', { phone: sentTo, minutes: 10 })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'verify-phone-submit' }, t('phone.verify')), resend),
    );
    resend.addEventListener('click', () => {
      const status = verify.querySelector('.status')!;
      this.client.request(InviteRequestPhoneCodeDocument).then(
        () => mount(status, t('phone.newCodeOnItsWay')),
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
      field(t('auth.mobile'), phone, preview.sentTo && preview.channel === 'PHONE' ? t('phone.invitedNumber', { phone: preview.sentTo }) : undefined),
      h('button', { type: 'submit', class: 'primary', id: 'change-phone-submit' }, t('phone.sendCode')),
    );
  }

  private verifyEmailStep(preview: Preview): Child {
    return [
      h('h2', {}, t('email.heading')),
      h('p', {}, t('email.confirmInvited', { email: preview.sentTo ?? '' })),
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
        field(t('phone.code'), code, t('email.codeSent', { email: this.codeSentTo, minutes: 10 })),
        h('button', { type: 'submit', class: 'primary', id: 'verify-email-submit' }, t('phone.verify')),
      );
    }
    const email = h('input', { id: 'email-address', type: 'email', autocomplete: 'email', required: true });
    return form('email-address-form', async () => {
      this.codeSentTo = (await this.client.request(InviteRequestEmailCodeDocument, { email: email.value.trim() })).requestEmailVerification.email;
      this.render();
    },
      field(t('email.address'), email, t('email.invitedAddress', { email: preview.sentTo ?? '' })),
      h('button', { type: 'submit', class: 'primary', id: 'send-email-code' }, t('phone.sendCode')),
    );
  }

  /** The signed-in account is not the invitation's: say which number or address to use (masked), and how. */
  private mismatchStep(preview: Preview, user: User): Child {
    const channel = preview.channel === 'EMAIL' ? 'EMAIL' : 'PHONE';
    const fix =
      preview.channel === 'EMAIL'
        ? [h('h3', {}, t('mismatch.orVerifyAddress')), this.emailForms(preview)]
        : [h('h3', {}, user.phone ? t('mismatch.orChangeNumber') : t('mismatch.orBindNumber')), this.changePhoneForm(preview)];
    return [
      h('h2', {}, t('mismatch.heading', { channel })),
      h('p', { id: 'mismatch', class: 'warning' }, this.mismatch),
      h('p', {}, t('mismatch.signInWith', { channel }), ' ', h('button', { type: 'button', class: 'link', onclick: () => { this.signOut(); this.render(); } }, t('mismatch.useAnother'))),
      fix,
    ];
  }

  private decideStep(preview: Preview): Child {
    const status = h('p', { class: 'status', role: 'alert', id: 'decide-status' });
    const accept = h('button', { type: 'button', class: 'primary', id: 'accept' }, t('decide.join', { orgName: preview.orgName }));
    const decline = preview.channel === 'LINK' ? null : h('button', { type: 'button', class: 'secondary', id: 'decline' }, t('decide.decline'));
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
      h('h2', {}, t('decide.heading')),
      h('p', {}, t('decide.text', { orgName: preview.orgName })),
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
        h('h1', { tabindex: '-1' }, t('done.inHeading')),
        h('p', {}, t('done.welcome', { orgName: result.org.name, name: result.member.name })),
        admin
          ? [
              h('p', {}, t('done.adminText')),
              h('p', {}, h('a', { class: 'button primary', id: 'open-dashboard', href: '/dashboard', onclick: () => sessionStorage.setItem(DASHBOARD_TOKEN_KEY, result.token) }, t('done.openDashboard'))),
            ]
          : h('p', {}, t('done.memberText')),
      ];
    } else if (outcome.kind === 'declined') {
      body = [h('h1', { tabindex: '-1' }, t('done.declinedHeading')), h('p', {}, t('done.declinedText', { orgName: preview.orgName }))];
    } else {
      body = [
        h('h1', { tabindex: '-1' }, t('done.alreadyHeading')),
        h('p', {}, t('done.alreadyText', { orgName: preview.orgName })),
        h('p', {}, h('a', { href: '/dashboard' }, t('done.adminsManage'))),
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
  if (extensions.expectedEmail) return t('mismatch.emailText', { expected });
  const text = t('mismatch.phoneText', { expected });
  return user?.phone ? `${text} ${t('mismatch.yourNumber', { phone: user.phone })}` : text;
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
  void loadMessages().then(() => new InvitePage(root, tokenFromPath()).start());
}
