import { bool, num } from 'envalid';
import { positiveInt, validateEnv } from '../config/validate-env';

export interface OutboxOptions {
  /** Whether this process runs a relay; writers may leave publishing to other instances. */
  relayEnabled: boolean;
  /** Rows claimed and published per round trip. */
  batchSize: number;
  /** Drain loops per relay, each with its own lanes and producer. */
  concurrency: number;
  /** Fallback poll when no commit wakes the relay (in-process signal or NOTIFY). */
  pollIntervalMs: number;
  /** Cap of the exponential backoff while the broker fails. */
  maxBackoffMs: number;
  /** Published rows are deleted after this many hours. */
  retentionHours: number;
  /** Largest serialized message accepted by `enqueue`; keep below the broker's message.max.bytes. */
  maxMessageBytes: number;
}

export function loadOutboxOptions(env: NodeJS.ProcessEnv = process.env): OutboxOptions {
  const clean = validateEnv(
    {
      OUTBOX_RELAY_ENABLED: bool({ default: true, desc: 'run the outbox relay in this process' }),
      OUTBOX_BATCH_SIZE: positiveInt({ default: 500, desc: 'rows per relay round trip' }),
      OUTBOX_RELAY_CONCURRENCY: positiveInt({ default: 3, desc: 'drain loops per relay' }),
      OUTBOX_POLL_INTERVAL_MS: positiveInt({ default: 1000, desc: 'fallback poll interval' }),
      OUTBOX_MAX_BACKOFF_MS: positiveInt({ default: 30_000, desc: 'backoff cap while the broker fails' }),
      OUTBOX_RETENTION_HOURS: num({ default: 24, desc: 'hours published rows are kept' }),
      OUTBOX_MAX_MESSAGE_BYTES: positiveInt({ default: 1_000_000, desc: 'largest event accepted by enqueue' }),
    },
    env,
  );
  return {
    relayEnabled: clean.OUTBOX_RELAY_ENABLED,
    batchSize: clean.OUTBOX_BATCH_SIZE,
    concurrency: clean.OUTBOX_RELAY_CONCURRENCY,
    pollIntervalMs: clean.OUTBOX_POLL_INTERVAL_MS,
    maxBackoffMs: clean.OUTBOX_MAX_BACKOFF_MS,
    retentionHours: clean.OUTBOX_RETENTION_HOURS,
    maxMessageBytes: clean.OUTBOX_MAX_MESSAGE_BYTES,
  };
}
