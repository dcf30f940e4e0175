import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { GatewayClient, GatewayError } from '../gateway-client';
import { DashboardSwitchOrgDocument, DashboardViewerDocument } from '../generated/graphql';
import { Charts } from './charts';
import { Directory } from './directory';
import { formatDateTime, t } from './i18n';
import { InvitePanel } from './invite';
import { LiveFeed, type JoinedMember, type SocketState } from './live';
import { PendingInvitations } from './pending';
import { describe, isAdminViewer, SessionContext, type Session, type Viewer } from './session';
import { SignIn } from './sign-in';
import { DepartmentsProvider, DepartmentTree } from './tree';

const GRAPHQL_URL = new URL('/graphql', location.href).toString();
/** The session survives a reload of the tab, not the tab itself (the invitation page hands an admin's token over here). */
const TOKEN_KEY = 'orggraph.dashboard.token';
/** Members shown in "Joined live", newest first. */
const JOINED_SHOWN = 50;

export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [message, setMessage] = useState<string | undefined>();

  const signOut = useCallback((why?: string) => {
    sessionStorage.removeItem(TOKEN_KEY);
    setMessage(why);
    setToken(null);
  }, []);
  const enter = useCallback((next: string) => {
    sessionStorage.setItem(TOKEN_KEY, next);
    setMessage(undefined);
    setToken(next);
  }, []);

  if (!token) return <SignInLazy message={message} onToken={enter} />;
  return <Dashboard key={token} token={token} onToken={enter} onSignOut={signOut} />;
}

function SignInLazy(props: { message?: string; onToken(token: string): void }) {
  return <SignIn graphqlUrl={GRAPHQL_URL} {...props} />;
}

/** One signed-in session (one token, one org): remounted on every sign-in and org switch. */
function Dashboard(props: { token: string; onToken(token: string): void; onSignOut(why?: string): void }) {
  const [socketState, setSocketState] = useState<SocketState>('closed');
  const feedRef = useRef<LiveFeed | null>(null);
  const client = useMemo(
    () => new GatewayClient({ url: GRAPHQL_URL, token: props.token, onSocketState: (state) => feedRef.current?.onSocketState(state) }),
    [props.token],
  );
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [tick, setTick] = useState(0);
  const [joined, setJoined] = useState<JoinedMember[]>([]);
  const [notice, setNotice] = useState<{ text: string; kind: 'info' | 'error' } | null>(null);
  const notify = useCallback((text: string, kind: 'info' | 'error' = 'info') => setNotice({ text, kind }), []);
  const { onSignOut } = props;

  useEffect(() => {
    let live = true;
    client.request(DashboardViewerDocument).then(
      ({ viewer: loaded }) => {
        if (!live) return;
        setViewer(loaded);
        if (!loaded.org) return;
        // Subscribe as soon as the org is known, so that nothing happening while the views load is lost.
        const feed = new LiveFeed(client, {
          socketState: setSocketState,
          joined: (member) => setJoined((list) => [member, ...list.filter((m) => m.id !== member.id)].slice(0, JOINED_SHOWN)),
          refresh: () => setTick((n) => n + 1),
          signedOut: () => onSignOut(t('session.ended')),
          failed: (text) => notify(t('live.unavailable', { reason: text }), 'error'),
        });
        feedRef.current = feed;
        feed.start();
      },
      (error: unknown) => {
        if (!live) return;
        onSignOut(error instanceof GatewayError && error.code === 'UNAUTHENTICATED' ? t('session.ended') : describe(error));
      },
    );
    return () => {
      live = false;
      feedRef.current?.stop();
      feedRef.current = null;
      client.dispose();
    };
  }, [client, notify, onSignOut]);

  // The header's seats: read again with every burst of events.
  const [quota, setQuota] = useState<{ used: number; limit: number } | null>(null);
  useEffect(() => {
    if (!viewer?.org) return;
    if (tick === 0) return setQuota(viewer.org.memberQuota);
    let live = true;
    client.request(DashboardViewerDocument).then(
      ({ viewer: fresh }) => live && fresh.org && setQuota(fresh.org.memberQuota),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, viewer, tick]);

  const session = useMemo<Session | null>(
    () => (viewer ? { client, viewer, isAdmin: isAdminViewer(viewer), tick, notify } : null),
    [client, viewer, tick, notify],
  );

  async function switchOrg(orgId: string) {
    try {
      props.onToken((await client.request(DashboardSwitchOrgDocument, { orgId })).switchOrg.token);
    } catch (error) {
      notify(t('org.switchFailed', { reason: describe(error) }), 'error');
    }
  }

  if (!session || !viewer) return <p className="loading" role="status">{t('app.loading')}</p>;
  const liveLabel = { connecting: t('live.connecting'), connected: t('live.connected'), closed: t('live.closed') }[socketState];
  return (
    <SessionContext.Provider value={session}>
      <header className="top">
        <h1 className="brand">{t('app.title')}</h1>
        <span id="org-name" className="org-name">{viewer.org?.name ?? t('org.none')}</span>
        {viewer.orgs.length > 1 && (
          <label className="org-switch">
            <span className="visually-hidden">{t('org.switch')}</span>
            <select id="org-select" value={viewer.org?.id ?? ''} onChange={(event) => void switchOrg(event.target.value)}>
              {viewer.orgs.map((org) => (
                <option key={org.id} value={org.id}>
                  {org.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {quota && (
          <span id="quota" className="quota">
            {t('quota.used', { used: quota.used, limit: quota.limit })}
          </span>
        )}
        <span id="live-status" className="live" data-state={socketState} role="status">
          {liveLabel}
        </span>
        <span className="user">{viewer.user.name}</span>
        <button type="button" id="sign-out" className="secondary" onClick={() => props.onSignOut()}>
          {t('signOut')}
        </button>
      </header>
      <nav className="sections" aria-label={t('nav.label')}>
        <a href="#section-overview">{t('nav.overview')}</a>
        <a href="#section-members">{t('nav.members')}</a>
        <a href="#section-invite">{t('nav.invite')}</a>
        <a href="#section-pending">{t('nav.pending')}</a>
      </nav>
      <p id="notice" className={`notice ${notice?.kind ?? ''}`} role="status">
        {notice?.text}
      </p>
      {!viewer.org ? (
        <p className="empty">{t('org.notMember')}</p>
      ) : (
        <DepartmentsProvider>
          <main className="layout">
            <section id="section-overview" className="overview" aria-label={t('nav.overview')}>
              {session.isAdmin && <Charts />}
              <div className="pair">
                <section className="card" id="departments">
                  <h2>{t('tree.title')}</h2>
                  <DepartmentTree />
                </section>
                <section className="card" id="activity">
                  <h2>{t('joined.title')}</h2>
                  <ul id="joined" className="joined">
                    {joined.length === 0 ? (
                      <li className="empty">{t('joined.empty')}</li>
                    ) : (
                      joined.map((member) => (
                        <li key={member.eventId} data-member-id={member.id}>
                          <span className="name">{member.name}</span>
                          <span className="meta">
                            {member.departments.map((d) => d.name).join(', ')}
                            {member.joinedAt && ` · ${formatDateTime(member.joinedAt)}`}
                          </span>
                        </li>
                      ))
                    )}
                  </ul>
                </section>
              </div>
            </section>
            <Directory />
            <InvitePanel />
            <PendingInvitations />
          </main>
        </DepartmentsProvider>
      )}
    </SessionContext.Provider>
  );
}
