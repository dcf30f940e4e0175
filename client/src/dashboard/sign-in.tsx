import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { GatewayClient, GatewayError } from '../gateway-client';
import {
  DashboardChangePasswordDocument,
  DashboardLogInDocument,
  DashboardLogInWithEmailDocument,
  DashboardLogInWithEnterpriseAccountDocument,
} from '../generated/graphql';
import { t, type MessageKey } from './i18n';
import { describe } from './session';

type Method = 'phone' | 'email' | 'enterprise';
const METHODS: Array<{ id: Method; label: MessageKey }> = [
  { id: 'phone', label: 'signIn.tab.phone' },
  { id: 'email', label: 'signIn.tab.email' },
  { id: 'enterprise', label: 'signIn.tab.enterprise' },
];

/** Signs in by phone, verified email or enterprise account; hands the token on. */
export function SignIn(props: { graphqlUrl: string; message?: string; onToken(token: string): void }) {
  const [method, setMethod] = useState<Method>('phone');
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(props.message ? { text: props.message, error: true } : null);
  const [busy, setBusy] = useState(false);
  /** A new enterprise account: its initial password must be replaced before anything else. */
  const [mustChange, setMustChange] = useState<{ token: string; current: string } | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  // The first field on arrival (and for the new password); a tab change keeps the focus on the tabs (arrow keys).
  useEffect(() => first.current?.focus(), [mustChange]);

  const anonymous = () => new GatewayClient({ url: props.graphqlUrl, token: null });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => String(form.get(name) ?? '');
    setBusy(true);
    setStatus({ text: t('signIn.signingIn'), error: false });
    try {
      if (mustChange) {
        const newPassword = value('newPassword');
        await new GatewayClient({ url: props.graphqlUrl, token: mustChange.token }).request(DashboardChangePasswordDocument, {
          input: { currentPassword: mustChange.current, newPassword },
        });
        return props.onToken(mustChange.token);
      }
      let token: string;
      if (method === 'phone') {
        token = (await anonymous().request(DashboardLogInDocument, { input: { phone: value('phone').trim(), password: value('password') } })).logIn.token;
      } else if (method === 'email') {
        token = (await anonymous().request(DashboardLogInWithEmailDocument, { input: { email: value('email').trim(), password: value('password') } })).logInWithEmail.token;
      } else {
        const input = { orgCode: value('orgCode').trim(), loginName: value('loginName').trim(), password: value('password') };
        const { logInWithEnterpriseAccount } = await anonymous().request(DashboardLogInWithEnterpriseAccountDocument, { input });
        token = logInWithEnterpriseAccount.token;
        if (logInWithEnterpriseAccount.user.mustChangePassword) {
          setMustChange({ token, current: input.password });
          setStatus({ text: t('signIn.changePassword.why'), error: false });
          return;
        }
      }
      props.onToken(token);
    } catch (error) {
      setStatus({ text: error instanceof GatewayError && error.code === 'INVALID_CREDENTIALS' ? t('signIn.invalid') : describe(error), error: true });
    } finally {
      setBusy(false);
    }
  }

  function onTabKey(event: KeyboardEvent<HTMLButtonElement>, index: number) {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (index + step + METHODS.length) % METHODS.length;
    setMethod(METHODS[next]!.id);
    tabs.current[next]?.focus();
  }

  return (
    <main className="sign-in-page">
      <form id="sign-in" className="card sign-in" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('app.title')}</h1>
        {mustChange ? (
          <>
            <h2>{t('signIn.changePassword.title')}</h2>
            <label>
              {t('signIn.changePassword.new')}
              <input ref={first} id="new-password" name="newPassword" type="password" autoComplete="new-password" required minLength={8} />
            </label>
          </>
        ) : (
          <>
            <div className="tabs" role="tablist" aria-label={t('signIn.with')}>
              {METHODS.map((m, index) => (
                <button
                  key={m.id}
                  ref={(element) => {
                    tabs.current[index] = element;
                  }}
                  id={`sign-in-tab-${m.id}`}
                  type="button"
                  role="tab"
                  aria-selected={method === m.id}
                  tabIndex={method === m.id ? 0 : -1}
                  onClick={() => setMethod(m.id)}
                  onKeyDown={(event) => onTabKey(event, index)}
                >
                  {t(m.label)}
                </button>
              ))}
            </div>
            <div role="tabpanel" aria-labelledby={`sign-in-tab-${method}`} className="fields">
              {method === 'phone' && (
                <label>
                  {t('signIn.phone')}
                  <input ref={first} id="sign-in-phone" name="phone" type="tel" autoComplete="username" required placeholder="+86 139 0000 0000" />
                </label>
              )}
              {method === 'email' && (
                <label>
                  {t('signIn.email')}
                  <input ref={first} id="sign-in-email" name="email" type="email" autoComplete="username" required />
                </label>
              )}
              {method === 'enterprise' && (
                <>
                  <label>
                    {t('signIn.orgCode')}
                    <input ref={first} id="sign-in-org-code" name="orgCode" autoComplete="organization" required />
                  </label>
                  <label>
                    {t('signIn.loginName')}
                    <input id="sign-in-login-name" name="loginName" autoComplete="username" required />
                  </label>
                </>
              )}
              <label>
                {t('signIn.password')}
                <input key={method} id="sign-in-password" name="password" type="password" autoComplete="current-password" required />
              </label>
            </div>
          </>
        )}
        <button type="submit" id="sign-in-submit" className="primary" disabled={busy}>
          {mustChange ? t('signIn.changePassword.submit') : t('signIn.submit')}
        </button>
        <p id="sign-in-status" className={status?.error ? 'notice error' : 'notice'} role="status">
          {status?.text}
        </p>
      </form>
    </main>
  );
}
