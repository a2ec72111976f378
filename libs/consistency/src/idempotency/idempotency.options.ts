import { positiveInt, validateEnv } from '../platform/config/validate-env';

export interface IdempotencyOptions {
  /** How long a key and its stored response are kept and replayed. */
  ttlSeconds: number;
}

export function loadIdempotencyOptions(env: NodeJS.ProcessEnv = process.env): IdempotencyOptions {
  const clean = validateEnv(
    { IDEMPOTENCY_KEY_TTL_SECONDS: positiveInt({ default: 86_400, desc: 'lifetime of an Idempotency-Key' }) },
    env,
  );
  return { ttlSeconds: clean.IDEMPOTENCY_KEY_TTL_SECONDS };
}
