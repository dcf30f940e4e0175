import { sql } from './accounts-db';

export interface OutboxRow {
  id: string;
  channel: 'SMS' | 'EMAIL';
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attempts: number;
  last_error: string | null;
}

/** Every message queued for a recipient, oldest first (in the run's database unless another is named). */
export function messagesTo(recipient: string, databaseUrl?: string): Promise<OutboxRow[]> {
  return sql<OutboxRow>(`select * from outbox_messages where recipient = $1 order by id`, [recipient], databaseUrl);
}

/** The newest message queued for a recipient, or undefined. Tests read verification codes from it. */
export async function latestMessageTo(recipient: string, databaseUrl?: string): Promise<OutboxRow | undefined> {
  return (await messagesTo(recipient, databaseUrl)).at(-1);
}

/** The code of the newest PHONE_VERIFICATION SMS to `phone`. */
export async function latestCodeSentTo(phone: string): Promise<string> {
  const message = await latestMessageTo(phone);
  if (message?.template !== 'PHONE_VERIFICATION') throw new Error(`no verification SMS to ${phone}`);
  return String(message.payload.code);
}
