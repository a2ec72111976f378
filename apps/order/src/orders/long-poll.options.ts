import { positiveInt, validateEnv } from '@app/consistency';

/** How `GET /orders/:id?wait=` holds requests until the order changes. */
export interface LongPollOptions {
  /** Requests one instance holds at once; past it, a request is answered at once. */
  maxWaiters: number;
  /** How often held orders are re-read, for changes committed by other order instances. */
  recheckIntervalMs: number;
}

export function loadLongPollOptions(env: NodeJS.ProcessEnv = process.env): LongPollOptions {
  const clean = validateEnv(
    {
      LONG_POLL_MAX_WAITERS: positiveInt({ default: 1000, desc: 'GET /orders/:id?wait= requests held at once' }),
      LONG_POLL_RECHECK_MS: positiveInt({ default: 1000, desc: 'how often held orders are re-read' }),
    },
    env,
  );
  return { maxWaiters: clean.LONG_POLL_MAX_WAITERS, recheckIntervalMs: clean.LONG_POLL_RECHECK_MS };
}

export const LONG_POLL_OPTIONS = Symbol('LONG_POLL_OPTIONS');
