/** The longest wait a client here accepts from Retry-After; the services never ask for more than 30 s. */
const MAX_RETRY_AFTER_SECONDS = 120;

/**
 * How long a 503 asks the client to stay away, in ms, or undefined without a usable Retry-After
 * (delay-seconds only: the services send no HTTP dates).
 */
export function retryAfterMs(response: Pick<Response, 'status' | 'headers'>): number | undefined {
  if (response.status !== 503) {
    return undefined;
  }
  const header = response.headers.get('retry-after')?.trim();
  if (header === undefined || !/^\d{1,9}$/.test(header)) {
    return undefined;
  }
  return Math.min(Number(header), MAX_RETRY_AFTER_SECONDS) * 1000;
}
