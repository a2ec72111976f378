import { bool } from 'envalid';
import { positiveInt, validateEnv } from '../platform/config/validate-env';

export interface IdempotencyOptions {
  /** How long a key and its stored response are kept and replayed. */
  ttlSeconds: number;
  /**
   * Take `X-Request-ID` as the key when `Idempotency-Key` is absent. Off by default: proxies and
   * client libraries often mint a new request id per attempt, and a key that changes on retry
   * deduplicates nothing — turn it on only where clients keep the id across their retries.
   */
  keyFromRequestId: boolean;
}

export function loadIdempotencyOptions(env: NodeJS.ProcessEnv = process.env): IdempotencyOptions {
  const clean = validateEnv(
    {
      IDEMPOTENCY_KEY_TTL_SECONDS: positiveInt({ default: 86_400, desc: 'lifetime of an Idempotency-Key' }),
      IDEMPOTENCY_KEY_FROM_REQUEST_ID: bool({
        default: false,
        desc: 'use X-Request-ID as the Idempotency-Key when that header is absent',
      }),
    },
    env,
  );
  return { ttlSeconds: clean.IDEMPOTENCY_KEY_TTL_SECONDS, keyFromRequestId: clean.IDEMPOTENCY_KEY_FROM_REQUEST_ID };
}
