import { positiveInt, validateEnv } from '../../platform/config/validate-env';
import { makeValidator, EnvError } from 'envalid';

export interface LifecycleOptions {
  /** `/health/live` fails when the event loop was blocked longer than this in the last window. */
  eventLoopMaxDelayMs: number;
  /** On SIGTERM, how long readiness fails before the server stops taking connections. */
  readinessDelayMs: number;
  /** On SIGTERM, the longest a graceful shutdown may take before the process exits 1. */
  shutdownDeadlineMs: number;
}

const milliseconds = makeValidator<number>((input: string) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 0) {
    throw new EnvError(`expected a whole number of milliseconds, got "${input}"`);
  }
  return value;
});

export function loadLifecycleOptions(env: NodeJS.ProcessEnv = process.env): LifecycleOptions {
  const clean = validateEnv(
    {
      HEALTH_EVENT_LOOP_MAX_DELAY_MS: positiveInt({
        default: 5000,
        desc: 'longest event-loop block /health/live accepts',
      }),
      SHUTDOWN_READINESS_DELAY_MS: milliseconds({
        default: 0,
        desc: 'how long readiness fails on SIGTERM before the server closes (give load balancers time to notice)',
      }),
      SHUTDOWN_DEADLINE_MS: positiveInt({ default: 15_000, desc: 'longest graceful shutdown before exit 1' }),
    },
    env,
  );
  return {
    eventLoopMaxDelayMs: clean.HEALTH_EVENT_LOOP_MAX_DELAY_MS,
    readinessDelayMs: clean.SHUTDOWN_READINESS_DELAY_MS,
    shutdownDeadlineMs: clean.SHUTDOWN_DEADLINE_MS,
  };
}
