import { useEffect, useState } from 'react';
import {
  DashboardInviteLinkQrCodeDocument,
  DashboardPendingInvitationsDocument,
  DashboardResendInvitationDocument,
  DashboardRevokeInvitationDocument,
  type DashboardInvitationFragment,
} from '../generated/graphql';
import { formatDateTime, t } from './i18n';
import { describe, useSession } from './session';

const PENDING_PAGE_SIZE = 100;

function label(invitation: DashboardInvitationFragment): string {
  if (invitation.channel === 'LINK') return invitation.url ?? t('pending.link');
  return [invitation.name, invitation.phone ?? invitation.email].filter(Boolean).join(' · ');
}

/** Pending invitations, newest first, with resend (phone, email), QR (links) and revoke. */
export function PendingInvitations() {
  const { client, tick, notify } = useSession();
  const [invitations, setInvitations] = useState<DashboardInvitationFragment[]>([]);
  const [total, setTotal] = useState(0);
  const [qr, setQr] = useState<{ id: string; src: string; url: string } | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    client.request(DashboardPendingInvitationsDocument, { first: PENDING_PAGE_SIZE }).then(
      ({ invitations: page }) => {
        if (!live) return;
        setInvitations(page.nodes);
        setTotal(page.totalCount);
      },
      (error: unknown) => live && notify(t('pending.loadFailed', { reason: describe(error) }), 'error'),
    );
    return () => {
      live = false;
    };
  }, [client, tick, reload, notify]);

  async function revoke(invitation: DashboardInvitationFragment) {
    try {
      await client.request(DashboardRevokeInvitationDocument, { id: invitation.id });
      setInvitations((list) => list.filter((candidate) => candidate.id !== invitation.id));
      setTotal((n) => Math.max(0, n - 1));
      if (qr?.id === invitation.id) setQr(null);
      notify(t('pending.revoked', { who: label(invitation) }));
    } catch (error) {
      notify(t('pending.revokeFailed', { reason: describe(error) }), 'error');
    }
  }

  async function resend(invitation: DashboardInvitationFragment) {
    try {
      await client.request(DashboardResendInvitationDocument, { id: invitation.id });
      notify(t('pending.resent', { who: label(invitation) }));
      setReload((n) => n + 1);
    } catch (error) {
      notify(t('pending.resendFailed', { reason: describe(error) }), 'error');
    }
  }

  async function showQr(invitation: DashboardInvitationFragment) {
    try {
      const { inviteLinkQrCode } = await client.request(DashboardInviteLinkQrCodeDocument, { id: invitation.id });
      setQr({ id: invitation.id, url: inviteLinkQrCode.url, src: `data:${inviteLinkQrCode.mimeType};base64,${inviteLinkQrCode.data}` });
    } catch (error) {
      notify(t('pending.qrFailed', { reason: describe(error) }), 'error');
    }
  }

  return (
    <section id="section-pending" className="card" aria-labelledby="pending-title">
      <h2 id="pending-title">{t('pending.title')}</h2>
      <div id="pending">
        <h3>{invitations.length < total ? t('pending.countShown', { total, shown: invitations.length }) : t('pending.count', { total })}</h3>
        {invitations.length === 0 ? (
          <p className="empty">{t('pending.none')}</p>
        ) : (
          <ul className="invitations">
            {invitations.map((invitation) => (
              <li key={invitation.id} data-invitation-id={invitation.id}>
                <span className="channel">{t(`channel.${invitation.channel}`)}</span>
                <span className="who">{label(invitation)}</span>
                <span className="meta">
                  {invitation.departments.map((d) => d.name).join(', ')}
                  {invitation.channel === 'LINK' &&
                    ` · ${invitation.maxUses === null || invitation.maxUses === undefined ? t('pending.used', { used: invitation.useCount }) : t('pending.usedOf', { used: invitation.useCount, max: invitation.maxUses })}`}
                  {` · ${t('pending.expires', { at: formatDateTime(invitation.expiresAt) })}`}
                </span>
                <span className="actions">
                  {invitation.channel === 'LINK' ? (
                    <button type="button" className="link" onClick={() => void showQr(invitation)}>
                      {t('pending.qr')}
                    </button>
                  ) : (
                    <button type="button" className="secondary resend" onClick={() => void resend(invitation)}>
                      {t('pending.resend')}
                    </button>
                  )}
                  <button type="button" className="revoke" onClick={() => void revoke(invitation)}>
                    {t('pending.revoke')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        )}
        {qr && (
          <figure className="qr" id="pending-qr">
            <img src={qr.src} alt={t('invite.link.qrAlt')} width={192} height={192} />
            <figcaption className="meta">{qr.url}</figcaption>
          </figure>
        )}
      </div>
    </section>
  );
}
