import { randomUUID } from 'node:crypto';

/** What a caller's `x-request-id` may look like to be kept (a proxy's or a client's trace id); otherwise a new one. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

/** The request's id: the caller's `x-request-id` when it is short and plain, else a fresh uuid. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTED_REQUEST_ID.test(value) ? value : randomUUID();
}
