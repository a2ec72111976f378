import { positiveInt, validateEnv } from '../platform/config/validate-env';

export interface LockOptions {
  /** The longest lease `withLock` grants; a longer request is refused. */
  maxTtlMs: number;
}

export function loadLockOptions(env: NodeJS.ProcessEnv = process.env): LockOptions {
  const clean = validateEnv(
    { LOCK_MAX_TTL_MS: positiveInt({ default: 60_000, desc: 'longest lease the distributed lock grants' }) },
    env,
  );
  return { maxTtlMs: clean.LOCK_MAX_TTL_MS };
}
