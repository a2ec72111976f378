import { backoffDelay } from '../platform/backoff';
import { isPermanentFailure } from './failure-policy';

export interface RetryOptions {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Why a message's attempts ended without success, and after how many. */
export interface GiveUp {
  reason: 'poison' | 'retries-exhausted';
  error: unknown;
  attempts: number;
}

export interface RetryHooks<T> {
  /** Runs attempt number `attempt` (from 1). */
  attempt: (attempt: number) => Promise<T>;
  /** The result once no attempt may follow: a permanent failure, or the last attempt failed. */
  giveUp: (failure: GiveUp) => Promise<T>;
  /** Told before each backoff. */
  retrying?: (error: unknown, attempt: number, delayMs: number) => void;
  /** The error attempt 1 already failed with elsewhere (in a batch that rolled back): it is not run again. */
  failedFirst?: { error: unknown };
}

/**
 * The consumer's retry step: attempts a message until it succeeds, with exponential backoff and
 * jitter between failures, in order (the partition waits: a later event of the same order must not
 * overtake it). A failure no retry can change (isPermanentFailure) or the last allowed attempt ends
 * it with `giveUp` — the dead letter — so the partition always moves on.
 */
export async function withRetries<T>(
  { attempt, giveUp, retrying, failedFirst }: RetryHooks<T>,
  options: RetryOptions,
): Promise<T> {
  let error: unknown;
  if (failedFirst) {
    error = failedFirst.error;
  } else {
    try {
      return await attempt(1);
    } catch (failure) {
      error = failure;
    }
  }
  for (let attempts = 1; ; attempts++) {
    if (isPermanentFailure(error)) {
      return giveUp({ reason: 'poison', error, attempts });
    }
    if (attempts >= options.maxAttempts) {
      return giveUp({ reason: 'retries-exhausted', error, attempts });
    }
    const delay = backoffDelay(attempts, { baseMs: options.baseMs, maxMs: options.maxMs });
    retrying?.(error, attempts, delay);
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      return await attempt(attempts + 1);
    } catch (failure) {
      error = failure;
    }
  }
}
