import { retryAfterMs } from './retry-after';

const response = (status: number, retryAfter?: string) =>
  ({ status, headers: new Headers(retryAfter === undefined ? {} : { 'retry-after': retryAfter }) }) as Response;

describe('retryAfterMs', () => {
  it('when a 503 says Retry-After in seconds, then that many seconds are waited', () => {
    expect(retryAfterMs(response(503, '3'))).toBe(3000);
    expect(retryAfterMs(response(503, ' 1 '))).toBe(1000);
  });

  it('when a 503 asks for an absurd wait, then the wait is capped at two minutes', () => {
    expect(retryAfterMs(response(503, '999999999'))).toBe(120_000);
  });

  it('when the answer is not a 503 or its Retry-After is missing, a date or malformed, then there is no wait to honour', () => {
    expect(retryAfterMs(response(500, '3'))).toBeUndefined();
    expect(retryAfterMs(response(503))).toBeUndefined();
    expect(retryAfterMs(response(503, 'Wed, 21 Oct 2026 07:28:00 GMT'))).toBeUndefined();
    expect(retryAfterMs(response(503, '-1'))).toBeUndefined();
    expect(retryAfterMs(response(503, '1.5'))).toBeUndefined();
  });
});
