import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { DashboardDepartmentSubtreeDocument, DashboardDepartmentTreeDocument, type DashboardDepartmentFragment } from '../generated/graphql';
import { t } from './i18n';
import { describe, useSession } from './session';

/** A department as shown; `children` undefined while its sub-departments are not loaded yet. */
export type DepartmentNode = DashboardDepartmentFragment & { children?: DepartmentNode[] };

const DepartmentsContext = createContext<DepartmentNode | null>(null);

/** The top three levels of the department tree, read once per live tick for every view below (tree, filters, pickers). */
export function DepartmentsProvider(props: { children: ReactNode }) {
  return <DepartmentsContext.Provider value={useLoadedTree()}>{props.children}</DepartmentsContext.Provider>;
}

/** The tree DepartmentsProvider read (null while loading). */
export function useDepartmentTree(): DepartmentNode | null {
  return useContext(DepartmentsContext);
}

function useLoadedTree(): DepartmentNode | null {
  const { client, tick, notify } = useSession();
  const [tree, setTree] = useState<DepartmentNode | null>(null);
  useEffect(() => {
    let live = true;
    client.request(DashboardDepartmentTreeDocument).then(
      ({ viewer }) => live && setTree(viewer.org?.rootDepartment ?? null),
      (error: unknown) => live && notify(t('tree.loadFailed', { reason: describe(error) }), 'error'),
    );
    return () => {
      live = false;
    };
  }, [client, tick, notify]);
  return tree;
}

/** Every department of a (partly loaded) tree, depth first, for the pickers. */
export function flatten(node: DepartmentNode | null, out: DepartmentNode[] = []): DepartmentNode[] {
  if (!node) return out;
  out.push(node);
  for (const child of node.children ?? []) flatten(child, out);
  return out;
}

/** The tree with member counts; `+` loads deeper levels, which stay open across live refreshes. */
export function DepartmentTree() {
  const { client, notify } = useSession();
  const base = useDepartmentTree();
  const [loaded, setLoaded] = useState<Record<string, DepartmentNode[]>>({});
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const expanded = useRef(new Set<string>());

  // After a refresh, load again what had been opened on demand (counts may have changed).
  useEffect(() => {
    if (!base || expanded.current.size === 0) return;
    let live = true;
    void Promise.all(
      [...expanded.current].map(async (id) => {
        const { department } = await client.request(DashboardDepartmentSubtreeDocument, { id });
        return [id, department?.children ?? []] as const;
      }),
    ).then(
      (entries) => live && setLoaded(Object.fromEntries(entries)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, base]);

  async function expand(node: DepartmentNode) {
    try {
      const { department } = await client.request(DashboardDepartmentSubtreeDocument, { id: node.id });
      expanded.current.add(node.id);
      setLoaded((map) => ({ ...map, [node.id]: department?.children ?? [] }));
    } catch (error) {
      notify(t('tree.loadFailed', { reason: describe(error) }), 'error');
    }
  }

  function item(node: DepartmentNode) {
    const children = node.children ?? loaded[node.id];
    const isCollapsed = collapsed.has(node.id);
    const toggle =
      children === undefined ? (
        <button type="button" className="toggle" title={t('tree.more')} aria-label={t('tree.more')} onClick={() => void expand(node)}>
          +
        </button>
      ) : children.length > 0 ? (
        <button
          type="button"
          className="toggle"
          aria-expanded={!isCollapsed}
          aria-label={isCollapsed ? t('tree.expand') : t('tree.collapse')}
          onClick={() =>
            setCollapsed((set) => {
              const next = new Set(set);
              if (isCollapsed) next.delete(node.id);
              else next.add(node.id);
              return next;
            })
          }
        >
          {isCollapsed ? '▸' : '▾'}
        </button>
      ) : (
        <span className="toggle" />
      );
    return (
      <li key={node.id} role="treeitem" aria-selected={false} data-department-id={node.id}>
        <div className="department">
          {toggle}
          <span className="name">{node.name}</span>
          <span className="count" title={t('tree.countHint')}>
            {String(node.memberCount)}
          </span>
        </div>
        {children && children.length > 0 && !isCollapsed && <ul role="group">{children.map((child) => item(child))}</ul>}
      </li>
    );
  }

  return (
    <div id="tree">
      {base ? (
        <ul className="tree" role="tree">
          {item(base)}
        </ul>
      ) : (
        <p className="empty">{t('app.loading')}</p>
      )}
    </div>
  );
}
