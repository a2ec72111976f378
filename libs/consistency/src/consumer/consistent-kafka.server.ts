import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { ConsumedEvent, SAGA_EVENTS } from '@app/contracts';
import { errorText } from '../platform/errors/error-text';
import { FaultInjector } from '../faults/fault-points';
import { backoffDelay } from '../platform/backoff';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsumerMetrics } from './consumer.metrics';
import { ConsumerOptions } from './consumer.options';
import { ConsumerState } from './consumer-state';
import { OffsetCommitter } from './offset-committer';
import { BatchLocks } from './batch-locks';
import { DeadLetterWriter } from './dead-letter-writer';
import { purgeInbox } from '../inbox/inbox';
import { GateRules } from './message-gate';
import { MessagePipeline, Outcome } from './message-pipeline';
import { isCompensation } from './on-event.decorator';
import { PartitionProgress } from './partition-progress';
import { UpcasterRegistry } from './upcasting';

export interface ConsistentKafkaServerOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  transactions: TransactionHost;
  outbox: OutboxService;
  options: ConsumerOptions;
  state: ConsumerState;
  metrics: ConsumerMetrics;
  faults: FaultInjector;
  upcasters: UpcasterRegistry;
  /** The events this consumer accepts, each with the topic that carries it; the saga's by default. */
  events?: ReadonlyMap<string, ConsumedEvent>;
  /** The service's batch locks, when its handlers lock rows shared across orders. */
  batchLocks?: BatchLocks;
  /** Largest message the event contract allows (OUTBOX_MAX_MESSAGE_BYTES); anything bigger is poison. */
  maxMessageBytes: number;
}

const INBOX_PURGE_INTERVAL_MS = 10 * 60_000;
const OFFSET_COMMIT_EVERY = 100;

/**
 * Nest transport over kafkajs that makes at-least-once delivery safe. It keeps the lifecycle (joining
 * the group in the background and again whenever kafkajs gives up, heartbeats during long batches,
 * leaving cleanly) and the offsets: each fetched batch goes through the MessagePipeline, and an
 * offset moves only once the pipeline reports the effects up to it committed.
 */
export class ConsistentKafkaServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(ConsistentKafkaServer.name);
  private consumer?: Consumer;
  private offsets?: OffsetCommitter;
  private purgeTimer?: NodeJS.Timeout;
  private stopping = false;
  /** Starts since the consumer last joined its group. */
  private attempts = 0;
  /** Cuts a backoff short when the consumer is closed. */
  private readonly stopped = new AbortController();
  private readonly progress = new PartitionProgress();
  /** Batches being handled: closing waits for them, so their offsets are committed before leaving. */
  private readonly batches = new Set<Promise<void>>();
  private readonly gate: GateRules;
  private readonly deadLetters: DeadLetterWriter;
  private readonly pipeline: MessagePipeline;

  constructor(private readonly config: ConsistentKafkaServerOptions) {
    super();
    const { options } = config;
    this.gate = {
      events: config.events ?? SAGA_EVENTS,
      // The literal type string, never Nest's pattern normalisation (which would JSON-parse it).
      handlerFor: (type) => this.getHandlers().get(type),
      upcasters: config.upcasters,
      limits: { maxValueBytes: config.maxMessageBytes, maxHeaderBytes: options.maxHeaderBytes },
    };
    this.deadLetters = new DeadLetterWriter({
      transactions: config.transactions,
      outbox: config.outbox,
      metrics: config.metrics,
      groupId: config.groupId,
      maxMessageBytes: config.maxMessageBytes,
      isCompensation: (type) => isCompensation(this.getHandlers().get(type)),
    });
    this.pipeline = new MessagePipeline({
      gate: this.gate,
      transactions: config.transactions,
      groupId: config.groupId,
      batchLocks: config.batchLocks,
      batchMaxMessages: options.batchMaxMessages,
      retry: { maxAttempts: options.maxAttempts, baseMs: options.retryBaseMs, maxMs: options.retryMaxMs },
      deadLetters: this.deadLetters,
      metrics: config.metrics,
      toObservable: (result) => this.transformToObservable(result),
    });
    config.state.watchPartitions({
      stalled: () => this.progress.stalled(config.options.stallAfterMs),
      lag: () => this.progress.lag(),
      backlog: () => this.progress.backlog(),
    });
  }

  /**
   * Returns at once: HTTP must never wait for the broker or the group join. The consumer connects in
   * the background and keeps trying, with backoff, for as long as it takes.
   */
  listen(callback: (error?: unknown) => void): void {
    this.purgeTimer = setInterval(() => void this.purgeInbox(), INBOX_PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    this.deadLetters.expectFor(this.config.topics, this.gate.events);
    this.config.state.starting();
    void this.connect();
    callback();
  }

  /** Lets the running batch finish and commit its offsets, then leaves the group (so it rebalances at once). */
  async close(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.purgeTimer);
    // kafkajs drops commits once its runner stops, so the running batches end and commit first.
    await Promise.all(this.batches);
    await this.flushOffsets();
    await this.consumer
      ?.disconnect()
      .catch((error: unknown) => this.log.warn(`leaving the group failed: ${errorText(error)}`));
  }

  private async flushOffsets(): Promise<void> {
    await this.offsets?.flush().catch((error: unknown) => this.log.warn(`offset commit failed: ${errorText(error)}`));
  }

  on(): never {
    throw new Error('ConsistentKafkaServer does not expose transport events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /** Starts the consumer, again and again with backoff until it runs or the server is closed. */
  private async connect(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.start();
        return;
      } catch (error) {
        await this.failed(error);
      }
    }
  }

  /**
   * kafkajs gives up for good on errors a fresh consumer gets past: a broker that does not answer,
   * expelled from the group after a stall outlived the session, no coordinator while the broker
   * restarts. Unfinished messages were never committed and come again, so the consumer is rebuilt
   * with backoff while `/health` says why; `/health/live` fails only when it keeps failing although
   * the broker answers (ConsumerState.wedged).
   */
  private async failed(error: unknown): Promise<void> {
    this.attempts++;
    this.config.state.failed(error);
    this.log.warn(`Kafka consumer is not running (${errorText(error)}); starting it again (attempt ${this.attempts})`);
    await this.consumer?.disconnect().catch(() => undefined);
    const delay = backoffDelay(this.attempts, { baseMs: 500, maxMs: 5000 });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.stopped.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  private async start(): Promise<void> {
    const { kafka, groupId, options } = this.config;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      // kafkajs heartbeats between fetches, so an idle fetch must return well inside the session.
      maxWaitTimeInMs: Math.min(5000, Math.floor(options.sessionTimeoutMs / 3)),
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    this.offsets?.discard();
    const offsets = new OffsetCommitter({
      commit: (topics) => consumer.commitOffsets(topics),
      intervalMs: options.offsetCommitIntervalMs,
      every: OFFSET_COMMIT_EVERY,
      onError: (error) => this.log.warn(`offset commit failed; the inbox absorbs the redelivery: ${errorText(error)}`),
    });
    this.offsets = offsets;
    consumer.on(consumer.events.REBALANCING, () => void this.flushOffsets());
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // A commit sent while the group rebalanced may have been refused (its generation ended), and
      // the new generation starts from the committed offsets: start past what this member handled.
      for (const { topic, partition, offset } of offsets.retainOnly(payload.memberAssignment)) {
        consumer.seek({ topic, partition, offset });
      }
      this.progress.reset();
      this.attempts = 0;
      this.config.state.joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopping && consumer === this.consumer) {
        void this.failed(payload.error).then(() => this.connect());
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.config.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.partitionsConcurrently,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /**
   * Messages of one partition, in order, through the pipeline. The offset follows the last
   * committed transaction; the committer batches offsets on their way to Kafka.
   */
  private handleBatch(payload: EachBatchPayload): Promise<void> {
    const running = this.consumeBatch(payload).finally(() => this.batches.delete(running));
    this.batches.add(running);
    return running;
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const keepAlive = setInterval(
      () => void payload.heartbeat().catch(() => undefined),
      this.config.options.heartbeatIntervalMs,
    );
    if (batch.messages.length > 0) {
      this.progress.fetched(topic, partition, batch.firstOffset() ?? batch.messages[0].offset, batch.highWatermark);
    }
    try {
      await this.pipeline.consume(topic, partition, batch.messages, {
        running: () => !this.stopping && payload.isRunning() && !payload.isStale(),
        handling: (timestamp) => this.progress.handling(topic, partition, timestamp),
        settled: (offset, outcomes) => this.settled(payload, offset, outcomes),
      });
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** After the commit of what the outcomes report: count them, then let the offset move past `offset`. */
  private async settled(payload: EachBatchPayload, offset: string, outcomes: Outcome[]): Promise<void> {
    const { topic, partition } = payload.batch;
    for (const outcome of outcomes) {
      this.config.metrics.messages.inc({ topic, outcome });
    }
    await this.config.faults.hit('consumer.after-commit-before-offset-commit');
    payload.resolveOffset(offset);
    this.progress.handled(topic, partition, offset);
    await this.offsets?.handled(topic, partition, offset);
  }

  private async purgeInbox(): Promise<void> {
    const { transactions, options } = this.config;
    await transactions
      .run(() => purgeInbox(transactions.manager, options.inboxRetentionHours))
      .catch((error: unknown) => this.log.warn(`inbox purge failed: ${errorText(error)}`));
  }
}
