import { useRef, useState, type FormEvent } from 'react';
import { GatewayError } from '../gateway-client';
import {
  DashboardCreateInviteLinkDocument,
  DashboardImportProgressDocument,
  DashboardInviteLinkQrCodeDocument,
  DashboardSendInvitationDocument,
} from '../generated/graphql';
import { useRoles } from './directory';
import { t } from './i18n';
import { describe, useSession } from './session';
import { flatten, useDepartmentTree } from './tree';

/** Inviting people: one by phone or email, a link with its QR code, or a CSV file. */
export function InvitePanel() {
  const { isAdmin } = useSession();
  return (
    <section id="section-invite" className="card invite" aria-labelledby="invite-title">
      <h2 id="invite-title">{t('invite.title')}</h2>
      <div className="invite-grid">
        <InvitePerson />
        <InviteLink />
        {isAdmin && <ImportCsv />}
      </div>
    </section>
  );
}

function InvitePerson() {
  const { client, notify } = useSession();
  const departments = flatten(useDepartmentTree());
  const roles = useRoles();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const contact = String(form.get('contact') ?? '').trim();
    const departmentId = String(form.get('departmentId') ?? '');
    const roleId = String(form.get('roleId') ?? '');
    setBusy(true);
    try {
      await client.request(DashboardSendInvitationDocument, {
        input: {
          name: String(form.get('name') ?? '').trim(),
          ...(contact.includes('@') ? { email: contact } : { phone: contact }),
          departmentIds: departmentId ? [departmentId] : null,
          roleIds: roleId ? [roleId] : null,
        },
      });
      formElement.reset();
      notify(t('invite.person.sent', { to: contact }));
    } catch (error) {
      notify(t('invite.failed', { reason: describe(error) }), 'error');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="invite-person" className="stack" onSubmit={submit} aria-labelledby="invite-person-title">
      <h3 id="invite-person-title">{t('invite.person.title')}</h3>
      <label>
        {t('invite.person.name')}
        <input id="invite-name" name="name" required maxLength={100} autoComplete="off" />
      </label>
      <label>
        {t('invite.person.contact')}
        <input id="invite-contact" name="contact" required autoComplete="off" placeholder={t('invite.person.contactHint')} />
      </label>
      <label>
        {t('members.department')}
        <select id="invite-department" name="departmentId" defaultValue="">
          <option value="">{t('invite.orgItself')}</option>
          {departments.slice(1).map((d) => (
            <option key={d.id} value={d.id}>
              {'\u00a0'.repeat((d.depth - 1) * 2)}
              {d.name}
            </option>
          ))}
        </select>
      </label>
      {roles.length > 0 && (
        <label>
          {t('members.role')}
          <select id="invite-role" name="roleId" defaultValue="">
            <option value="">{t('invite.defaultRole')}</option>
            {roles
              .filter((r) => r.builtin !== 'OWNER')
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
          </select>
        </label>
      )}
      <button type="submit" id="invite-send" className="primary" disabled={busy}>
        {t('invite.person.submit')}
      </button>
    </form>
  );
}

function InviteLink() {
  const { client, notify } = useSession();
  const [busy, setBusy] = useState(false);
  const [qr, setQr] = useState<{ url: string; src: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const maxUses = String(form.get('maxUses') ?? '');
    const days = String(form.get('days') ?? '');
    setBusy(true);
    try {
      const { createInviteLink } = await client.request(DashboardCreateInviteLinkDocument, {
        input: { maxUses: maxUses ? Number(maxUses) : null, expiresIn: days ? Math.round(Number(days) * 86_400) : null },
      });
      const { inviteLinkQrCode } = await client.request(DashboardInviteLinkQrCodeDocument, { id: createInviteLink.invitation.id });
      setQr({ url: inviteLinkQrCode.url, src: `data:${inviteLinkQrCode.mimeType};base64,${inviteLinkQrCode.data}` });
    } catch (error) {
      notify(t('invite.failed', { reason: describe(error) }), 'error');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="invite-link-form" className="stack" onSubmit={submit} aria-labelledby="invite-link-title">
      <h3 id="invite-link-title">{t('invite.link.title')}</h3>
      <div className="row">
        <label>
          {t('invite.link.uses')}
          <input id="link-max-uses" name="maxUses" type="number" min={1} max={100000} placeholder={t('invite.link.unlimited')} />
        </label>
        <label>
          {t('invite.link.days')}
          <input id="link-expires-days" name="days" type="number" min={1} max={365} placeholder={t('invite.link.orgDefault')} />
        </label>
      </div>
      <button type="submit" id="create-link" className="primary" disabled={busy}>
        {t('invite.link.submit')}
      </button>
      <div id="qr">
        {qr && (
          <figure className="qr">
            <img id="qr-image" src={qr.src} alt={t('invite.link.qrAlt')} width={192} height={192} />
            <figcaption>
              <input id="qr-url" aria-label={t('invite.link.url')} readOnly value={qr.url} onFocus={(event) => event.target.select()} />
            </figcaption>
          </figure>
        )}
      </div>
    </form>
  );
}

interface ImportIssue {
  row: number;
  column: string | null;
  code: string;
  message: string;
}
interface ImportResult {
  status: string;
  dryRun: boolean;
  summary: { rows?: number; created?: number; skipped?: number; failed?: number; departmentsCreated?: number };
  report: ImportIssue[];
  reportTruncated: boolean;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

const IMPORT_EVENT_GRACE_MS = 3_000;

/** Rows of a CSV text, not counting the header or blank lines (quoted line breaks make it an estimate). */
function countRows(text: string): number {
  return Math.max(0, text.split(/\r?\n/).filter((line) => line.trim() !== '').length - 1);
}

/**
 * A CSV upload to `POST /imports`: the progress bar follows the `importProgress` subscription (opened with the
 * upload's importId before the upload starts), the per-row report comes with the answer.
 */
function ImportCsv() {
  const { client, notify } = useSession();
  const file = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<{ processed: number; total: number; events: number } | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const chosen = file.current?.files?.[0];
    if (!chosen) return;
    const form = new FormData(event.currentTarget);
    const text = await chosen.text();
    const importId = crypto.randomUUID();
    const estimate = countRows(text);
    setBusy(true);
    setResult(null);
    setProgress({ processed: 0, total: estimate, events: 0 });
    let completed: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (completed = resolve));
    const stop = client.subscribe(DashboardImportProgressDocument, { importId, after: null }, {
      next: ({ importProgress }) => {
        setProgress((p) => ({ processed: importProgress.processed, total: importProgress.total ?? Math.max(p?.total ?? 0, importProgress.processed), events: (p?.events ?? 0) + 1 }));
        if (importProgress.type === 'COMPLETED') completed();
      },
      error: () => completed(), // refused (a sub-admin cannot follow an import before it starts): the answer carries the summary anyway
    });
    try {
      const params = new URLSearchParams({ importId, dryRun: String(form.get('dryRun') === 'on'), createDepartments: String(form.get('createDepartments') === 'on') });
      const response = await fetch(`/imports?${params}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${client.token}` },
        body: text,
      });
      const body = (await response.json()) as ImportResult;
      setResult(body);
      const rows = body.summary.rows ?? estimate;
      setProgress((p) => ({ processed: rows, total: rows, events: p?.events ?? 0 }));
      if (body.errors?.length) notify(t('import.failed', { reason: body.errors[0]!.message }), 'error');
      // The COMPLETED event may trail the answer by a moment: let it land before unsubscribing.
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, IMPORT_EVENT_GRACE_MS))]);
    } catch (error) {
      notify(t('import.failed', { reason: error instanceof GatewayError ? describe(error) : String(error) }), 'error');
    } finally {
      stop();
      setBusy(false);
    }
  }

  return (
    <form id="import-form" className="stack" onSubmit={submit} aria-labelledby="import-title">
      <h3 id="import-title">{t('import.title')}</h3>
      <p className="meta">{t('import.hint')}</p>
      <label>
        {t('import.file')}
        <input ref={file} id="import-file" name="file" type="file" accept=".csv,text/csv" required />
      </label>
      <label className="check">
        <input id="import-create-departments" name="createDepartments" type="checkbox" /> {t('import.createDepartments')}
      </label>
      <label className="check">
        <input id="import-dry-run" name="dryRun" type="checkbox" /> {t('import.dryRun')}
      </label>
      <button type="submit" id="import-start" className="primary" disabled={busy}>
        {t('import.submit')}
      </button>
      {progress && (
        <div className="progress">
          <progress id="import-progress" value={progress.processed} max={Math.max(progress.total, 1)} data-events={progress.events} aria-label={t('import.progress')} />
          <span className="meta">{t('import.processed', { processed: progress.processed, total: progress.total })}</span>
        </div>
      )}
      {result && (
        <div id="import-result" data-status={result.status}>
          <p id="import-summary">
            {t(result.dryRun ? 'import.summaryDryRun' : 'import.summary', {
              created: result.summary.created ?? 0,
              skipped: result.summary.skipped ?? 0,
              failed: result.summary.failed ?? 0,
            })}
          </p>
          {result.report.length > 0 && (
            <div className="table-scroll">
              <table id="import-report">
                <thead>
                  <tr>
                    <th scope="col">{t('import.row')}</th>
                    <th scope="col">{t('import.column')}</th>
                    <th scope="col">{t('import.problem')}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.report.map((issue, index) => (
                    <tr key={index} data-row={issue.row} data-code={issue.code}>
                      <td>{issue.row}</td>
                      <td>{issue.column ?? '—'}</td>
                      <td>{issue.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {result.reportTruncated && <p className="meta">{t('import.truncated')}</p>}
        </div>
      )}
    </form>
  );
}
