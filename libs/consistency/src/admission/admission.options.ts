import { bool } from 'envalid';
import { positiveInt, validateEnv } from '../platform/config/validate-env';

/** Bounds past which a service sheds new work (`@AdmissionControlled()` routes answer 503). */
export interface AdmissionOptions {
  enabled: boolean;
  /** Age of the oldest outbox row the relay could send now but has not. */
  maxOutboxAgeMs: number;
  /** Sagas the service has started and not finished (counted by the service's own probe). */
  maxSagasInFlight: number;
  /** Messages waiting in the partitions this instance consumes. */
  maxConsumerLag: number;
  /** How often the backlog is read in the background; requests only read the last sample. */
  sampleIntervalMs: number;
}

export function loadAdmissionOptions(env: NodeJS.ProcessEnv = process.env): AdmissionOptions {
  const clean = validateEnv(
    {
      ADMISSION_ENABLED: bool({ default: true, desc: 'shed new work past the backlog bounds' }),
      ADMISSION_MAX_OUTBOX_AGE_MS: positiveInt({ default: 10_000, desc: 'oldest sendable outbox row, in ms' }),
      ADMISSION_MAX_SAGAS_IN_FLIGHT: positiveInt({ default: 200, desc: 'sagas started and not finished' }),
      ADMISSION_MAX_CONSUMER_LAG: positiveInt({ default: 1000, desc: 'messages waiting for this instance' }),
      ADMISSION_SAMPLE_INTERVAL_MS: positiveInt({ default: 250, desc: 'how often the backlog is read' }),
    },
    env,
  );
  return {
    enabled: clean.ADMISSION_ENABLED,
    maxOutboxAgeMs: clean.ADMISSION_MAX_OUTBOX_AGE_MS,
    maxSagasInFlight: clean.ADMISSION_MAX_SAGAS_IN_FLIGHT,
    maxConsumerLag: clean.ADMISSION_MAX_CONSUMER_LAG,
    sampleIntervalMs: clean.ADMISSION_SAMPLE_INTERVAL_MS,
  };
}
