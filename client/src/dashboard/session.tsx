import { createContext, useContext } from 'react';
import { GatewayError, type GatewayClient } from '../gateway-client';
import type { DashboardViewerQuery } from '../generated/graphql';

export type Viewer = DashboardViewerQuery['viewer'];

export interface Session {
  client: GatewayClient;
  viewer: Viewer;
  /** OWNER or ADMIN: the charts and imports are theirs. */
  isAdmin: boolean;
  /** Bumped after every burst of live events (and after a reconnect): views read their data again. */
  tick: number;
  notify(message: string, kind?: 'info' | 'error'): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in dashboard');
  return session;
}

export function describe(error: unknown): string {
  if (error instanceof GatewayError) return error.code ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

export function isAdminViewer(viewer: Viewer): boolean {
  return (viewer.member?.roles ?? []).some(({ role }) => role.builtin === 'OWNER' || role.builtin === 'ADMIN');
}
