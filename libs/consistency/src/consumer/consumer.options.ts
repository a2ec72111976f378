import { positiveInt, validateEnv } from '../platform/config/validate-env';

export interface ConsumerOptions {
  /** Attempts of a failing handler before its message is dead-lettered. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Partitions handled in parallel by one instance (order is per partition). */
  partitionsConcurrently: number;
  /** Most messages of a partition handled in one transaction. */
  batchMaxMessages: number;
  sessionTimeoutMs: number;
  /** How long a rebalance waits for members to rejoin; a SIGKILLed member holds it up this long. */
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Longest a handled message's offset waits before it is committed to Kafka. */
  offsetCommitIntervalMs: number;
  /** How long the consumer may keep failing, with the broker answering, before `/health/live` fails. */
  restartWindowMs: number;
  inboxRetentionHours: number;
  /** Largest sum of a message's header names and values; a bigger one is poison. */
  maxHeaderBytes: number;
  /** A partition whose head has not moved for this long while messages wait is reported stalled. */
  stallAfterMs: number;
}

export function loadConsumerOptions(env: NodeJS.ProcessEnv = process.env): ConsumerOptions {
  const clean = validateEnv(
    {
      CONSUMER_MAX_ATTEMPTS: positiveInt({ default: 5, desc: 'handler attempts before dead-lettering' }),
      CONSUMER_RETRY_BASE_MS: positiveInt({ default: 200, desc: 'first retry delay' }),
      CONSUMER_RETRY_MAX_MS: positiveInt({ default: 10_000, desc: 'retry delay cap' }),
      CONSUMER_PARTITIONS_CONCURRENTLY: positiveInt({ default: 3, desc: 'partitions handled in parallel' }),
      CONSUMER_BATCH_MAX_MESSAGES: positiveInt({
        default: 100,
        desc: 'most messages of a partition handled in one transaction (1 = one transaction per message)',
      }),
      CONSUMER_SESSION_TIMEOUT_MS: positiveInt({
        default: 6000,
        desc: 'Kafka group session timeout (how long a dead member holds its partitions; brokers refuse less than group.min.session.timeout.ms, 6 s by default)',
      }),
      CONSUMER_REBALANCE_TIMEOUT_MS: positiveInt({ default: 10_000, desc: 'Kafka group rebalance timeout' }),
      CONSUMER_HEARTBEAT_INTERVAL_MS: positiveInt({ default: 1000, desc: 'Kafka heartbeat interval' }),
      CONSUMER_OFFSET_COMMIT_INTERVAL_MS: positiveInt({
        default: 1000,
        desc: 'longest wait before handled offsets are committed (redelivery after a crash is deduplicated)',
      }),
      CONSUMER_RESTART_WINDOW_MS: positiveInt({
        default: 60_000,
        desc: 'how long a consumer may keep failing, with the broker answering, before /health/live fails',
      }),
      INBOX_RETENTION_HOURS: positiveInt({ default: 168, desc: 'hours processed event ids are kept' }),
      CONSUMER_MAX_HEADER_BYTES: positiveInt({ default: 8192, desc: 'largest sum of header names and values' }),
      CONSUMER_STALL_AFTER_MS: positiveInt({
        default: 30_000,
        desc: 'a partition whose head has not moved for this long while messages wait is reported stalled',
      }),
    },
    env,
  );
  return {
    maxAttempts: clean.CONSUMER_MAX_ATTEMPTS,
    retryBaseMs: clean.CONSUMER_RETRY_BASE_MS,
    retryMaxMs: clean.CONSUMER_RETRY_MAX_MS,
    partitionsConcurrently: clean.CONSUMER_PARTITIONS_CONCURRENTLY,
    batchMaxMessages: clean.CONSUMER_BATCH_MAX_MESSAGES,
    sessionTimeoutMs: clean.CONSUMER_SESSION_TIMEOUT_MS,
    rebalanceTimeoutMs: clean.CONSUMER_REBALANCE_TIMEOUT_MS,
    heartbeatIntervalMs: clean.CONSUMER_HEARTBEAT_INTERVAL_MS,
    offsetCommitIntervalMs: clean.CONSUMER_OFFSET_COMMIT_INTERVAL_MS,
    restartWindowMs: clean.CONSUMER_RESTART_WINDOW_MS,
    inboxRetentionHours: clean.INBOX_RETENTION_HOURS,
    maxHeaderBytes: clean.CONSUMER_MAX_HEADER_BYTES,
    stallAfterMs: clean.CONSUMER_STALL_AFTER_MS,
  };
}
