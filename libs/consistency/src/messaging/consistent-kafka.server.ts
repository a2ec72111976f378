import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { EventEnvelope, EventHeaders, isEventType, payloadProblem } from '@app/contracts';
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
import { decodeEnvelope } from './decode-envelope';
import { stringHeaders } from './kafka-headers';
import { EventContext } from './event-context';
import { claimInbox, purgeInbox } from './inbox';
import { runWithMessage } from './message-context';
import { PoisonMessageError } from './poison-message.error';
import { upcast, UpcasterRegistry } from './upcasting';

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
  /** Largest message the event contract allows (OUTBOX_MAX_MESSAGE_BYTES); anything bigger is poison. */
  maxMessageBytes: number;
  /** Called when the consumer fails for good; the default exits so a supervisor restarts the process. */
  onFatal?: (error: Error) => void;
}

type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead-lettered';

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

  constructor(private readonly config: ConsistentKafkaServerOptions) {
    super();
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
    try {
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) {
          break;
        }
        const outcome = await this.process(topic, partition, message);
        this.config.metrics.messages.inc({ topic, outcome });
        await this.config.faults.hit('consumer.after-commit-before-offset-commit');
        payload.resolveOffset(message.offset);
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
      key: message.key?.toString() ?? null,
      value: message.value?.toString() ?? null,
      headers: stringHeaders(message.headers),
    };
    let envelope: EventEnvelope;
    let handler: MessageHandler | null;
    try {
      const size = message.value?.length ?? 0;
      if (size > this.config.maxMessageBytes) {
        throw new PoisonMessageError(`message is ${size} bytes, over the ${this.config.maxMessageBytes}-byte limit`);
      }
      const decoded = decodeEnvelope(message.value);
      handler = this.getHandlerByPattern(decoded.type);
      if (!handler) {
        if (isEventType(decoded.type)) {
          return 'ignored';
        }
        throw new PoisonMessageError(`unknown event type "${decoded.type}"`);
      }
      const current = upcast(decoded, acceptedVersions(handler), this.config.upcasters);
      const problem = isEventType(current.type) ? payloadProblem(current.type, current.payload) : undefined;
      if (problem) {
        throw new PoisonMessageError(`invalid ${current.type} payload: ${problem}`);
      }
      envelope = current as EventEnvelope;
    } catch (error) {
      return this.deadLetter(failed, { reason: 'poison', error: errorText(error), attempts: 0 });
    }
    const context = new EventContext([{ topic, partition, offset: message.offset, headers: failed.headers }]);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.handleOnce(handler, envelope, context, failed.headers[EventHeaders.traceparent]);
      } catch (error) {
        if (error instanceof PoisonMessageError) {
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

  /** Writes the dead letter through the outbox, so it is published even if we crash right after. */
  private async deadLetter(message: FailedMessage, failure: Omit<Failure, 'consumer'>): Promise<Outcome> {
    this.log.error(
      `dead-lettering ${message.topic}/${message.partition}@${message.offset} (${failure.reason}): ${failure.error}`,
    );
    await this.config.transactions.run(() =>
      this.config.outbox.enqueueMessage(
        deadLetter(message, { ...failure, consumer: this.config.groupId }, this.config.maxMessageBytes),
      ),
    );
    return 'dead-lettered';
  }

  private async purgeInbox(): Promise<void> {
    const { transactions, options } = this.config;
    await transactions
      .run(() => purgeInbox(transactions.manager, options.inboxRetentionHours))
      .catch((error: unknown) => this.log.warn(`inbox purge failed: ${errorText(error)}`));
  }
}

function acceptedVersions(handler: MessageHandler): number[] {
  const versions = (handler.extras as { versions?: unknown } | undefined)?.versions;
  return Array.isArray(versions) ? versions.filter((v): v is number => Number.isInteger(v)) : [1];
}
