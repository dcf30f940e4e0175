import { useEffect, useState } from 'react';
import {
  DashboardMemberDocument,
  DashboardMembersDocument,
  DashboardRolesDocument,
  type DashboardMemberQuery,
  type DashboardMemberRowFragment,
  type DashboardRolesQuery,
  type MemberStatus,
} from '../generated/graphql';
import { formatDateTime, t, type MessageKey } from './i18n';
import { describe, useSession } from './session';
import { flatten, useDepartmentTree } from './tree';

const PAGE_SIZE = 30;
const SEARCH_DEBOUNCE_MS = 250;
const STATUSES: MemberStatus[] = ['ACTIVE', 'PENDING', 'DISABLED'];
export const STATUS_LABEL: Record<MemberStatus, MessageKey> = { ACTIVE: 'status.ACTIVE', PENDING: 'status.PENDING', DISABLED: 'status.DISABLED' };

export function useRoles(): DashboardRolesQuery['roles'] {
  const { client } = useSession();
  const [roles, setRoles] = useState<DashboardRolesQuery['roles']>([]);
  useEffect(() => {
    let live = true;
    client.request(DashboardRolesDocument).then(
      ({ roles: loaded }) => live && setRoles(loaded),
      () => undefined, // a member without the right to list roles: no role filter
    );
    return () => {
      live = false;
    };
  }, [client]);
  return roles;
}

/** The member directory: search (name, reading, phone, email, employee no.), filters, and one member's detail. */
export function Directory() {
  const { client, tick, notify } = useSession();
  const departments = flatten(useDepartmentTree());
  const roles = useRoles();
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  const [departmentId, setDepartmentId] = useState('');
  const [status, setStatus] = useState<MemberStatus | ''>('');
  const [roleId, setRoleId] = useState('');
  const [rows, setRows] = useState<DashboardMemberRowFragment[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const filter = { query: debounced || null, departmentId: departmentId || null, status: status || null, roleId: roleId || null };
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    let live = true;
    client.request(DashboardMembersDocument, { first: PAGE_SIZE, filter: JSON.parse(filterKey) as typeof filter }).then(
      ({ members }) => {
        if (!live) return;
        setRows(members.nodes);
        setTotal(members.totalCount);
        setNext(members.pageInfo.hasNextPage ? (members.pageInfo.endCursor ?? null) : null);
      },
      (error: unknown) => live && notify(t('members.loadFailed', { reason: describe(error) }), 'error'),
    );
    return () => {
      live = false;
    };
  }, [client, tick, filterKey, notify]);

  async function loadMore() {
    if (!next) return;
    try {
      const { members } = await client.request(DashboardMembersDocument, { first: PAGE_SIZE, after: next, filter });
      setRows((list) => [...list, ...members.nodes]);
      setNext(members.pageInfo.hasNextPage ? (members.pageInfo.endCursor ?? null) : null);
    } catch (error) {
      notify(t('members.loadFailed', { reason: describe(error) }), 'error');
    }
  }

  return (
    <section id="section-members" className="card directory" aria-labelledby="members-title">
      <h2 id="members-title">{t('members.title')}</h2>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label className="grow">
          {t('members.search')}
          <input id="member-search" type="search" value={query} placeholder={t('members.searchHint')} onChange={(event) => setQuery(event.target.value)} />
        </label>
        <label>
          {t('members.department')}
          <select id="filter-department" value={departmentId} onChange={(event) => setDepartmentId(event.target.value)}>
            <option value="">{t('members.any')}</option>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {'\u00a0'.repeat(d.depth * 2)}
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('members.status')}
          <select id="filter-status" value={status} onChange={(event) => setStatus(event.target.value as MemberStatus | '')}>
            <option value="">{t('members.any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(STATUS_LABEL[s])}
              </option>
            ))}
          </select>
        </label>
        {roles.length > 0 && (
          <label>
            {t('members.role')}
            <select id="filter-role" value={roleId} onChange={(event) => setRoleId(event.target.value)}>
              <option value="">{t('members.any')}</option>
              {roles.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </form>
      <p id="members-total" className="meta" role="status">
        {total === null ? t('app.loading') : t('members.total', { count: total })}
      </p>
      <div className="directory-body">
        <ul id="members" className="members">
          {rows.map((member) => (
            <li key={member.id} data-member-id={member.id}>
              <button type="button" className={`member-row${selected === member.id ? ' selected' : ''}`} aria-pressed={selected === member.id} onClick={() => setSelected(member.id)}>
                <span className="name">{member.name}</span>
                <span className={`badge status-${member.status.toLowerCase()}`}>{t(STATUS_LABEL[member.status])}</span>
                <span className="meta">
                  {[member.title, member.departments.map((d) => d.name).join(', ')].filter(Boolean).join(' · ')}
                </span>
              </button>
            </li>
          ))}
          {total === 0 && <li className="empty">{t('members.none')}</li>}
        </ul>
        {selected && <MemberDetail id={selected} onClose={() => setSelected(null)} />}
      </div>
      {next && (
        <button type="button" id="members-more" className="secondary" onClick={() => void loadMore()}>
          {t('members.more')}
        </button>
      )}
    </section>
  );
}

function MemberDetail(props: { id: string; onClose(): void }) {
  const { client, tick, notify } = useSession();
  const [member, setMember] = useState<DashboardMemberQuery['member'] | undefined>();
  useEffect(() => {
    let live = true;
    client.request(DashboardMemberDocument, { id: props.id }).then(
      (data) => live && setMember(data.member),
      (error: unknown) => live && notify(t('members.loadFailed', { reason: describe(error) }), 'error'),
    );
    return () => {
      live = false;
    };
  }, [client, props.id, tick, notify]);

  return (
    <aside id="member-detail" className="detail" aria-live="polite" aria-label={t('member.detail')}>
      {!member ? (
        <p className="empty">{member === null ? t('member.gone') : t('app.loading')}</p>
      ) : (
        <>
          <div className="detail-head">
            <h3>{member.name}</h3>
            <button type="button" id="member-detail-close" className="link" onClick={props.onClose}>
              {t('member.close')}
            </button>
          </div>
          <dl>
            <dt>{t('members.status')}</dt>
            <dd>{t(STATUS_LABEL[member.status])}</dd>
            {member.title && (
              <>
                <dt>{t('member.title')}</dt>
                <dd>{member.title}</dd>
              </>
            )}
            <dt>{t('member.departments')}</dt>
            <dd id="member-detail-departments">
              {member.departments.length === 0
                ? '—'
                : member.departments.map((d) => [...d.ancestors.map((a) => a.name), d.name].join(' / ')).join('; ')}
            </dd>
            <dt>{t('member.roles')}</dt>
            <dd id="member-detail-roles">
              {member.roles.map((r) => r.role.name + (r.scopeDepartments.length ? ` (${r.scopeDepartments.map((d) => d.name).join(', ')})` : '')).join(', ') || '—'}
            </dd>
            <dt>{t('member.manager')}</dt>
            <dd id="member-detail-manager">{member.manager ? member.manager.name : '—'}</dd>
            {member.phone && (
              <>
                <dt>{t('member.phone')}</dt>
                <dd>{member.phone}</dd>
              </>
            )}
            {member.email && (
              <>
                <dt>{t('member.email')}</dt>
                <dd>{member.email}</dd>
              </>
            )}
            {member.employeeNo && (
              <>
                <dt>{t('member.employeeNo')}</dt>
                <dd>{member.employeeNo}</dd>
              </>
            )}
            {member.joinedAt && (
              <>
                <dt>{t('member.joined')}</dt>
                <dd>{formatDateTime(member.joinedAt)}</dd>
              </>
            )}
            {member.account && (
              <>
                <dt>{t('member.account')}</dt>
                <dd>{member.account.kind === 'ENTERPRISE' ? t('member.account.enterprise', { login: member.account.loginName ?? '' }) : t('member.account.personal')}</dd>
              </>
            )}
          </dl>
        </>
      )}
    </aside>
  );
}
