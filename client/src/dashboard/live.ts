import { GatewayClient, GatewayError } from '../gateway-client';
import {
  DashboardInvitationEventsDocument,
  DashboardMemberJoinedDocument,
  type DashboardMemberJoinedSubscription,
} from '../generated/graphql';

export type SocketState = 'connecting' | 'connected' | 'closed';
export type JoinedMember = NonNullable<DashboardMemberJoinedSubscription['memberEvents']['member']> & { eventId: string };

const RESUBSCRIBE_DELAYS_MS = [500, 1_000, 2_000, 5_000];
/** Events often come in bursts (an import, a link shared in a chat): one refresh per burst. */
const REFRESH_DEBOUNCE_MS = 250;

export interface LiveHandlers {
  socketState(state: SocketState): void;
  joined(member: JoinedMember): void;
  /** Something changed (an event, or the socket came back after an outage): read counts and lists again. */
  refresh(): void;
  /** The token was refused: the session is over. */
  signedOut(): void;
  failed(message: string): void;
}

/**
 * The org's member and invitation events over one graphql-ws socket. When the socket drops it subscribes again
 * with backoff, `after` the last event received (either stream's: both count the org's one event sequence), so
 * the gateway replays what happened meanwhile; then it asks for a refresh.
 */
export class LiveFeed {
  private lastMemberEventId: string | null = null;
  private lastInvitationEventId: string | null = null;
  private attempt = 0;
  private state: SocketState = 'closed';
  private lost = false;
  private stopped = false;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: GatewayClient,
    private readonly handlers: LiveHandlers,
  ) {}

  /** Called by the client's socket-state callback. */
  onSocketState(state: SocketState): void {
    if (this.stopped) return;
    if (state === 'closed' && this.state === 'connected') this.lost = true;
    this.state = state;
    this.handlers.socketState(state);
    if (state !== 'connected') return;
    this.attempt = 0;
    if (this.lost) this.scheduleRefresh();
    this.lost = false;
  }

  start(): void {
    this.subscribeMembers();
    this.subscribeInvitations();
  }

  stop(): void {
    this.stopped = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  private resumeAfter(own: string | null): string | null {
    return own ?? this.lastMemberEventId ?? this.lastInvitationEventId;
  }

  private subscribeMembers(): void {
    this.client.subscribe(DashboardMemberJoinedDocument, { after: this.resumeAfter(this.lastMemberEventId) }, {
      next: ({ memberEvents }) => {
        if (this.stopped) return;
        this.lastMemberEventId = memberEvents.id;
        if (memberEvents.member) this.handlers.joined({ ...memberEvents.member, eventId: memberEvents.id });
        this.scheduleRefresh();
      },
      error: (error) => this.onError(error, () => this.subscribeMembers()),
    });
  }

  private subscribeInvitations(): void {
    this.client.subscribe(DashboardInvitationEventsDocument, { after: this.resumeAfter(this.lastInvitationEventId) }, {
      next: ({ invitationEvents }) => {
        if (this.stopped) return;
        this.lastInvitationEventId = invitationEvents.id;
        this.scheduleRefresh();
      },
      error: (error) => this.onError(error, () => this.subscribeInvitations()),
    });
  }

  private onError(error: GatewayError, again: () => void): void {
    if (this.stopped) return;
    if (error.code === 'UNAUTHENTICATED') return this.handlers.signedOut();
    if (error.code !== 'SOCKET_CLOSED') return this.handlers.failed(error.message);
    const delay = RESUBSCRIBE_DELAYS_MS[Math.min(this.attempt++, RESUBSCRIBE_DELAYS_MS.length - 1)]!;
    setTimeout(() => {
      if (!this.stopped) again();
    }, delay);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (!this.stopped) this.handlers.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }
}
