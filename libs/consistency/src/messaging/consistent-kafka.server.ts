import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { ConsumedEvent, EventEnvelope, EventHeaders, SAGA_EVENTS } from '@app/contracts';
import { errorText } from '../errors/error-text';
import { FaultInjector } from '../faults/fault-points';
import { backoffDelay } from '../outbox/backoff';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsumerMetrics } from './consumer.metrics';
import { ConsumerOptions } from './consumer.options';
import { ConsumerState } from './consumer-state';
import { OffsetCommitter } from './offset-committer';
import { deadLetter, FailedMessage, Failure } from './dead-letter';
import { stringHeaders } from './kafka-headers';
import { EventContext } from './event-context';
import { isPermanentFailure } from './failure-policy';
import { claimInbox, purgeInbox } from './inbox';
import { admit, Admission, GateRules } from './message-gate';
import { runWithMessage } from './message-context';
import { PartitionProgress } from './partition-progress';
import { recordSkippedMessage } from './skipped-message';
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
  /** Largest message the event contract allows (OUTBOX_MAX_MESSAGE_BYTES); anything bigger is poison. */
  maxMessageBytes: number;
  /** Called when the consumer fails for good; the default exits so a supervisor restarts the process. */
  onFatal?: (error: Error) => void;
}

type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead-lettered' | 'skipped';

const INBOX_PURGE_INTERVAL_MS = 10 * 60_000;
const OFFSET_COMMIT_EVERY = 100;

/**
 * Nest transport over kafkajs that makes at-least-once delivery safe: each message is handled in
 * one database transaction with its inbox row (duplicates skip), its offset is committed only after
 * that commit, failures retry with backoff in order and then go to the dead-letter topic, poison
 * goes there at once, and the partition always moves on.
 */
export class ConsistentKafkaServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(ConsistentKafkaServer.name);
  private consumer?: Consumer;
  private offsets?: OffsetCommitter;
  private purgeTimer?: NodeJS.Timeout;
  private stopping = false;
  /** Restarts since the consumer last joined its group, and when the first of them began. */
  private restarts = 0;
  private failingSince?: number;
  private readonly progress = new PartitionProgress();
  private readonly gate: GateRules;

  constructor(private readonly config: ConsistentKafkaServerOptions) {
    super();
    this.gate = {
      events: config.events ?? SAGA_EVENTS,
      // The literal type string, never Nest's pattern normalisation (which would JSON-parse it).
      handlerFor: (type) => this.getHandlers().get(type),
      upcasters: config.upcasters,
      limits: { maxValueBytes: config.maxMessageBytes, maxHeaderBytes: config.options.maxHeaderBytes },
    };
    config.state.watchPartitions(
      () => this.progress.stalled(config.options.stallAfterMs),
      () => this.progress.lag(),
    );
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      this.purgeTimer = setInterval(() => void this.purgeInbox(), INBOX_PURGE_INTERVAL_MS);
      this.purgeTimer.unref();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Commits what was handled, lets the running batch finish (it commits its own), then leaves. */
  async close(): Promise<void> {
    this.stopping = true;
    clearInterval(this.purgeTimer);
    await this.flushOffsets();
    await this.consumer?.disconnect();
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
    this.config.state.starting();
    consumer.on(consumer.events.REBALANCING, () => void this.flushOffsets());
    consumer.on(consumer.events.GROUP_JOIN, () => {
      offsets.discard();
      this.progress.reset();
      this.restarts = 0;
      this.failingSince = undefined;
      this.config.state.joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) {
        return;
      }
      this.failingSince ??= Date.now();
      if (Date.now() - this.failingSince < this.config.options.restartWindowMs) {
        void this.restart(payload.error);
      } else {
        this.fatal(payload.error);
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
   * kafkajs gives up for good on errors a fresh consumer gets past: expelled from the group after a
   * stall outlived the session, no coordinator while the broker restarts. Unfinished messages were
   * never committed and come again, so the consumer is rebuilt with backoff, and `/health` says it
   * is not in its group meanwhile; only when that keeps failing for the restart window does the
   * process exit, for its supervisor to restart it.
   */
  private async restart(cause: Error): Promise<void> {
    this.restarts++;
    this.config.state.leftGroup();
    this.log.warn(`Kafka consumer stopped (${cause.message}); restarting it (attempt ${this.restarts})`);
    try {
      await this.consumer?.disconnect();
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.restarts, { baseMs: 500, maxMs: 5000 })));
      if (!this.stopping) {
        await this.start();
      }
    } catch (error) {
      this.fatal(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fatal(error: Error): void {
    this.config.state.crashed(`${error.name}: ${error.message}`);
    this.log.error(`Kafka consumer stopped for good: ${error.message}`);
    (this.config.onFatal ?? (() => process.exit(1)))(error);
  }

  /**
   * Messages of one partition, in order, each in its own transaction. The offset follows the last
   * committed transaction; the committer batches offsets on their way to Kafka.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
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
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) {
          break;
        }
        const outcome = await this.process(topic, partition, message);
        this.config.metrics.messages.inc({ topic, outcome });
        await this.config.faults.hit('consumer.after-commit-before-offset-commit');
        payload.resolveOffset(message.offset);
        this.progress.handled(topic, partition, message.offset);
        await this.offsets?.handled(topic, partition, message.offset);
      }
    } finally {
      clearInterval(keepAlive);
      if (this.stopping) {
        await this.flushOffsets();
      }
    }
  }

  private async process(topic: string, partition: number, message: KafkaMessage): Promise<Outcome> {
    const failed: FailedMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers,
    };
    let admission: Admission;
    try {
      admission = admit({ topic, key: message.key, value: message.value, headers: message.headers }, this.gate);
    } catch (error) {
      return this.deadLetter(failed, { reason: 'poison', error: errorText(error), attempts: 0 });
    }
    if (admission.action === 'ignore') {
      return 'ignored';
    }
    const { envelope, handler } = admission;
    const headers = stringHeaders(message.headers);
    const context = new EventContext([{ topic, partition, offset: message.offset, headers }]);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.handleOnce(handler, envelope, context, headers[EventHeaders.traceparent]);
      } catch (error) {
        if (isPermanentFailure(error)) {
          return this.deadLetter(failed, { reason: 'poison', error: errorText(error), attempts: attempt });
        }
        if (attempt >= this.config.options.maxAttempts) {
          return this.deadLetter(failed, { reason: 'retries-exhausted', error: errorText(error), attempts: attempt });
        }
        const delay = backoffDelay(attempt, {
          baseMs: this.config.options.retryBaseMs,
          maxMs: this.config.options.retryMaxMs,
        });
        this.log.warn(
          `${envelope.type} ${envelope.id} failed (attempt ${attempt}), retrying in ${delay} ms: ${errorText(error)}`,
        );
        this.config.metrics.retries.inc({ topic });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** One attempt: inbox row, handler effects and the events it enqueues commit together. */
  private handleOnce(
    handler: MessageHandler,
    envelope: EventEnvelope,
    context: EventContext,
    traceparent: string | undefined,
  ): Promise<Outcome> {
    const { transactions, groupId } = this.config;
    return transactions.run(async () => {
      if (!(await claimInbox(transactions.manager, groupId, envelope.id))) {
        return 'duplicate';
      }
      await runWithMessage({ envelope, traceparent }, async () => {
        await lastValueFrom(this.transformToObservable(await handler(envelope, context)), { defaultValue: undefined });
      });
      return 'processed';
    });
  }

  /**
   * Writes the dead letter through the outbox, so it is published even if we crash right after. If
   * the dead letter itself cannot be written for a reason no retry changes, the message is recorded
   * in `skipped_messages` and skipped: nothing may stall a partition. A database that does not
   * answer is not such a reason: the error propagates and the message comes again.
   */
  private async deadLetter(message: FailedMessage, failure: Omit<Failure, 'consumer'>): Promise<Outcome> {
    const { transactions, outbox, groupId, maxMessageBytes } = this.config;
    const where = `${message.topic}/${message.partition}@${message.offset}`;
    this.log.error(`dead-lettering ${where} (${failure.reason}): ${failure.error}`);
    try {
      await transactions.run(() =>
        outbox.enqueueMessage(deadLetter(message, { ...failure, consumer: groupId }, maxMessageBytes)),
      );
      return 'dead-lettered';
    } catch (error) {
      if (!isPermanentFailure(error)) {
        throw error;
      }
      this.log.error(`skipping ${where}: its dead letter could not be written: ${errorText(error)}`);
      await transactions.run(() =>
        recordSkippedMessage(
          transactions.manager,
          groupId,
          message,
          failure.reason,
          `${failure.error}; dead letter: ${errorText(error)}`,
        ),
      );
      return 'skipped';
    }
  }

  private async purgeInbox(): Promise<void> {
    const { transactions, options } = this.config;
    await transactions
      .run(() => purgeInbox(transactions.manager, options.inboxRetentionHours))
      .catch((error: unknown) => this.log.warn(`inbox purge failed: ${errorText(error)}`));
  }
}
