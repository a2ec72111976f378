import { positiveInt, validateEnv } from '@app/consistency';

export interface SagaOptions {
  /** A saga with no progress for this long is driven to CANCELLED by the scanner. */
  stepTimeoutMs: number;
  scanIntervalMs: number;
}

export function loadSagaOptions(env: NodeJS.ProcessEnv = process.env): SagaOptions {
  const clean = validateEnv(
    {
      SAGA_STEP_TIMEOUT_MS: positiveInt({ default: 30_000, desc: 'deadline of each saga step' }),
      SAGA_SCAN_INTERVAL_MS: positiveInt({ default: 1000, desc: 'how often the scanner looks for stuck sagas' }),
    },
    env,
  );
  return { stepTimeoutMs: clean.SAGA_STEP_TIMEOUT_MS, scanIntervalMs: clean.SAGA_SCAN_INTERVAL_MS };
}

export const SAGA_OPTIONS = Symbol('SAGA_OPTIONS');
