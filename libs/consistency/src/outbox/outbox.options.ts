import { bool } from 'envalid';
import { ConfigurationError } from '../platform/config/configuration-error';
import { nonNegativeNumber, positiveInt, validateEnv } from '../platform/config/validate-env';
import { REQUEST_FRAMING_ALLOWANCE_BYTES } from './produce-requests';

export interface OutboxOptions {
  /** Whether this process runs a relay; writers may leave publishing to other instances. */
  relayEnabled: boolean;
  /**
   * The process that commits outbox rows sends them itself right after the commit (when its relay
   * runs and the broker answers); the relays' rounds take the rest.
   */
  publishAfterCommit: boolean;
  /** Rows claimed and published per round trip. */
  batchSize: number;
  /** Drain loops per relay, each with its own lanes and producer. */
  concurrency: number;
  /** Fallback poll when no commit wakes the relay (in-process signal or NOTIFY). */
  pollIntervalMs: number;
  /** Cap of the exponential backoff while the broker fails. */
  maxBackoffMs: number;
  /** Published rows are deleted after this many hours; 0 deletes them as they are published. */
  retentionHours: number;
  /** Largest serialized message accepted by `enqueue`; keep below the broker's message.max.bytes. */
  maxMessageBytes: number;
  /** Cap of one produce request, records and framing; rows of a claim go in as many as needed. */
  maxRequestBytes: number;
  /** Times the broker may refuse one row before it is parked. */
  maxAttempts: number;
}

export function loadOutboxOptions(env: NodeJS.ProcessEnv = process.env): OutboxOptions {
  const clean = validateEnv(
    {
      OUTBOX_RELAY_ENABLED: bool({ default: true, desc: 'run the outbox relay in this process' }),
      OUTBOX_PUBLISH_AFTER_COMMIT: bool({
        default: true,
        desc: "send a transaction's rows right after its commit, without waiting for a relay round",
      }),
      OUTBOX_BATCH_SIZE: positiveInt({ default: 500, desc: 'rows per relay round trip' }),
      OUTBOX_RELAY_CONCURRENCY: positiveInt({ default: 3, desc: 'drain loops per relay' }),
      OUTBOX_POLL_INTERVAL_MS: positiveInt({ default: 1000, desc: 'fallback poll interval' }),
      OUTBOX_MAX_BACKOFF_MS: positiveInt({ default: 5000, desc: 'backoff cap while the broker fails' }),
      OUTBOX_RETENTION_HOURS: nonNegativeNumber({
        default: 24,
        desc: 'hours published rows are kept (0: deleted as they are published)',
      }),
      OUTBOX_MAX_MESSAGE_BYTES: positiveInt({ default: 1_000_000, desc: 'largest event accepted by enqueue' }),
      // The broker's message.max.bytes is 1,048,588 by default; this leaves headroom under it.
      OUTBOX_MAX_REQUEST_BYTES: positiveInt({ default: 1_040_000, desc: 'bytes of one produce request' }),
      OUTBOX_MAX_ATTEMPTS: positiveInt({ default: 5, desc: 'broker refusals of a row before it is parked' }),
    },
    env,
  );
  const smallestRequest = clean.OUTBOX_MAX_MESSAGE_BYTES + REQUEST_FRAMING_ALLOWANCE_BYTES;
  if (clean.OUTBOX_MAX_REQUEST_BYTES < smallestRequest) {
    throw new ConfigurationError(
      `Invalid configuration: OUTBOX_MAX_REQUEST_BYTES is invalid: ${clean.OUTBOX_MAX_REQUEST_BYTES} cannot hold ` +
        `the largest event alone; it must be at least OUTBOX_MAX_MESSAGE_BYTES + ${REQUEST_FRAMING_ALLOWANCE_BYTES} ` +
        `(${smallestRequest})`,
    );
  }
  return {
    relayEnabled: clean.OUTBOX_RELAY_ENABLED,
    publishAfterCommit: clean.OUTBOX_PUBLISH_AFTER_COMMIT,
    batchSize: clean.OUTBOX_BATCH_SIZE,
    concurrency: clean.OUTBOX_RELAY_CONCURRENCY,
    pollIntervalMs: clean.OUTBOX_POLL_INTERVAL_MS,
    maxBackoffMs: clean.OUTBOX_MAX_BACKOFF_MS,
    retentionHours: clean.OUTBOX_RETENTION_HOURS,
    maxMessageBytes: clean.OUTBOX_MAX_MESSAGE_BYTES,
    maxRequestBytes: clean.OUTBOX_MAX_REQUEST_BYTES,
    maxAttempts: clean.OUTBOX_MAX_ATTEMPTS,
  };
}
