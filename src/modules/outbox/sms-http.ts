/**
 * How long one provider call may take at most: a provider that hangs fails the attempt (retried later by the outbox)
 * well inside the dispatcher's lease, so no other dispatcher claims the message while it is still on the wire.
 */
export const SMS_TIMEOUT_MS = 30_000;

/** A provider's answer that is not a success, with what it said (the outbox keeps it as the attempt's error). */
export class SmsProviderError extends Error {
  override name = 'SmsProviderError';
}

/** POSTs a form to a provider within SMS_TIMEOUT_MS; the status and the parsed JSON body (null when not JSON). */
export async function postForm(url: string, form: URLSearchParams, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: form.toString(),
    signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // an HTML error page from a proxy: the status says enough
  }
  return { status: response.status, body };
}

