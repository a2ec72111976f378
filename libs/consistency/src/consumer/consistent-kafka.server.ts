import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { ConsumedEvent, EventEnvelope, EventHeaders, SAGA_EVENTS } from '@app/contracts';
import { errorText } from '../platform/errors/error-text';
import { FaultInjector } from '../faults/fault-points';
import { backoffDelay } from '../platform/backoff';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsumerMetrics } from './consumer.metrics';
import { ConsumerOptions } from './consumer.options';
import { ConsumerState } from './consumer-state';
import { OffsetCommitter } from './offset-committer';
import { deadLetter, FailedMessage, Failure } from './dead-letter';
import { stringHeaders } from '../platform/kafka/kafka-headers';
import { EventContext, EventSource } from './event-context';
import { BatchLocks } from './batch-locks';
import { BatchEntryError, handleInOneTransaction } from './batch-transaction';
import { isPermanentFailure } from './failure-policy';
import { purgeInbox } from '../inbox/inbox';
import { admit, Admission, claimedType, GateRules } from './message-gate';
import { isCompensation } from './on-event.decorator';
import { runWithMessage } from '../platform/message-context';
import { acceptRequestId } from '../platform/request-context';
import { inSpan, SpanKind } from '../platform/tracing';
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
  /** The service's batch locks, when its handlers lock rows shared across orders. */
  batchLocks?: BatchLocks;
  /** Largest message the event contract allows (OUTBOX_MAX_MESSAGE_BYTES); anything bigger is poison. */
  maxMessageBytes: number;
}

type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead-lettered' | 'skipped';

/** A message the gate let through, with the handler registered for its type and where it came from. */
interface AdmittedMessage {
  envelope: EventEnvelope;
  handler: MessageHandler;
  source: EventSource;
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

const INBOX_PURGE_INTERVAL_MS = 10 * 60_000;
const OFFSET_COMMIT_EVERY = 100;

/**
 * Nest transport over kafkajs that makes at-least-once delivery safe: the messages of a fetched
 * batch are handled in one database transaction with their inbox rows (duplicates skip), offsets
 * are committed only after that commit; when a batch fails it rolls back and its messages go one per
 * transaction, failures retry with backoff in order and then go to the dead-letter topic, poison
 * goes there at once, and the partition always moves on.
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

  constructor(private readonly config: ConsistentKafkaServerOptions) {
    super();
    this.gate = {
      events: config.events ?? SAGA_EVENTS,
      // The literal type string, never Nest's pattern normalisation (which would JSON-parse it).
      handlerFor: (type) => this.getHandlers().get(type),
      upcasters: config.upcasters,
      limits: { maxValueBytes: config.maxMessageBytes, maxHeaderBytes: config.options.maxHeaderBytes },
    };
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
    this.expectDeadLetters();
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
   * Messages of one partition, in order, each in its own transaction. The offset follows the last
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
    const running = () => !this.stopping && payload.isRunning() && !payload.isStale();
    try {
      for (const chunk of chunksOf(batch.messages, this.config.options.batchMaxMessages)) {
        if (!running()) {
          break;
        }
        this.progress.handling(topic, partition, chunk[0].timestamp);
        const together = chunk.length > 1 ? await this.processTogether(topic, partition, chunk) : undefined;
        if (together && 'outcomes' in together) {
          await this.settled(payload, chunk[chunk.length - 1].offset, together.outcomes);
          continue;
        }
        for (const message of chunk) {
          if (!running()) {
            return;
          }
          const failedFirst = together?.failed?.offset === message.offset ? together.failed.error : undefined;
          await this.settled(payload, message.offset, [await this.process(topic, partition, message, failedFirst)]);
        }
      }
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

  /**
   * Several messages of a partition in one transaction (handleInOneTransaction). They must go one
   * per transaction instead when the gate refuses one (its dead letter has rules of its own) or the
   * batch rolled back; then the message whose handler failed, if one did, is named with its error,
   * which counts as its first attempt.
   */
  private async processTogether(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): Promise<{ outcomes: Outcome[] } | { failed?: { offset: string; error: unknown } } | undefined> {
    const admitted: Array<AdmittedMessage | undefined> = [];
    for (const message of messages) {
      const admission = this.admitted(topic, partition, message);
      if (!admission) {
        return undefined;
      }
      admitted.push(admission === 'ignored' ? undefined : admission);
    }
    const entries = admitted.filter((entry): entry is AdmittedMessage => entry !== undefined);
    try {
      const results =
        entries.length === 0
          ? []
          : await handleInOneTransaction(entries, {
              transactions: this.config.transactions,
              groupId: this.config.groupId,
              locks: this.config.batchLocks,
              handle: (entry) => this.invoke(entry, 1),
            });
      return { outcomes: admitted.map((entry) => (entry ? results[entries.indexOf(entry)] : 'ignored')) };
    } catch (error) {
      this.log.warn(
        `a batch of ${messages.length} from ${topic}/${partition} rolled back (${errorText(error)}); handling its messages one by one`,
      );
      this.config.metrics.batchFallbacks.inc({ topic });
      return error instanceof BatchEntryError
        ? { failed: { offset: (error.entry as AdmittedMessage).source.offset, error: error.cause } }
        : {};
    }
  }

  /** A message the gate lets through ('ignored' for a valid event this service has no handler for), or undefined for poison. */
  private admitted(topic: string, partition: number, message: KafkaMessage): AdmittedMessage | 'ignored' | undefined {
    try {
      const admission = admit({ topic, key: message.key, value: message.value, headers: message.headers }, this.gate);
      if (admission.action === 'ignore') {
        return 'ignored';
      }
      const source = { topic, partition, offset: message.offset, headers: stringHeaders(message.headers) };
      return { envelope: admission.envelope, handler: admission.handler, source };
    } catch {
      return undefined;
    }
  }

  /**
   * One message in its own transaction, retried with backoff, dead-lettered when it cannot succeed.
   * `failedFirst`: the error its handler already failed with in a batch that rolled back (attempt 1).
   */
  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    failedFirst?: unknown,
  ): Promise<Outcome> {
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
      return this.deadLetter(
        failed,
        { reason: 'poison', error: errorText(error), attempts: 0 },
        claimedType(failed, this.gate),
      );
    }
    if (admission.action === 'ignore') {
      return 'ignored';
    }
    const entry: AdmittedMessage = {
      envelope: admission.envelope,
      handler: admission.handler,
      source: { topic, partition, offset: message.offset, headers: stringHeaders(message.headers) },
    };
    if (failedFirst !== undefined) {
      const settled = await this.attemptFailed(failed, entry.envelope, failedFirst, 1);
      if (settled) {
        return settled;
      }
    }
    for (let attempt = failedFirst === undefined ? 1 : 2; ; attempt++) {
      try {
        return await this.handleOnce(entry, attempt);
      } catch (error) {
        const settled = await this.attemptFailed(failed, entry.envelope, error, attempt);
        if (settled) {
          return settled;
        }
      }
    }
  }

  /**
   * After a failed attempt: the dead letter's outcome when the message cannot succeed (a permanent
   * failure, or the last attempt), else undefined once the backoff before the next attempt is over.
   */
  private async attemptFailed(
    failed: FailedMessage,
    envelope: EventEnvelope,
    error: unknown,
    attempt: number,
  ): Promise<Outcome | undefined> {
    if (isPermanentFailure(error)) {
      return this.deadLetter(failed, { reason: 'poison', error: errorText(error), attempts: attempt }, envelope.type);
    }
    if (attempt >= this.config.options.maxAttempts) {
      return this.deadLetter(
        failed,
        { reason: 'retries-exhausted', error: errorText(error), attempts: attempt },
        envelope.type,
      );
    }
    const delay = backoffDelay(attempt, {
      baseMs: this.config.options.retryBaseMs,
      maxMs: this.config.options.retryMaxMs,
    });
    this.log.warn(
      `${envelope.type} ${envelope.id} failed (attempt ${attempt}), retrying in ${delay} ms: ${errorText(error)}`,
    );
    this.config.metrics.retries.inc({ topic: failed.topic });
    await new Promise((resolve) => setTimeout(resolve, delay));
    return undefined;
  }

  /** One attempt: inbox row, handler effects and the events it enqueues commit together. */
  private async handleOnce(entry: AdmittedMessage, attempt: number): Promise<Outcome> {
    try {
      const [outcome] = await handleInOneTransaction([entry], {
        transactions: this.config.transactions,
        groupId: this.config.groupId,
        locks: this.config.batchLocks,
        handle: (admitted) => this.invoke(admitted, attempt),
      });
      return outcome;
    } catch (error) {
      throw error instanceof BatchEntryError ? error.cause : error;
    }
  }

  /** Runs the handler of one admitted event in its span, knowing the event it handles; joins the caller's transaction. */
  private invoke({ envelope, handler, source }: AdmittedMessage, attempt: number): Promise<void> {
    return inSpan(
      `consume ${envelope.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: source.headers[EventHeaders.traceparent],
        attributes: { 'messaging.destination.name': source.topic, 'event.id': envelope.id, attempt },
      },
      (traceparent) =>
        runWithMessage(
          { envelope, traceparent, requestId: acceptRequestId(source.headers[EventHeaders.requestId]) },
          async () => {
            const result: unknown = await handler(envelope, new EventContext([source]));
            await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
          },
        ),
    );
  }

  /**
   * Writes the dead letter through the outbox, so it is published even if we crash right after. If
   * the dead letter itself cannot be written for a reason no retry changes, the message is recorded
   * in `skipped_messages` and skipped: nothing may stall a partition. A database that does not
   * answer is not such a reason: the error propagates and the message comes again.
   */
  private async deadLetter(
    message: FailedMessage,
    failure: Omit<Failure, 'consumer'>,
    eventType: string | undefined,
  ): Promise<Outcome> {
    const { transactions, outbox, groupId, maxMessageBytes, metrics } = this.config;
    const where = `${message.topic}/${message.partition}@${message.offset}`;
    const compensation = eventType !== undefined && isCompensation(this.getHandlers().get(eventType));
    const labels = { topic: message.topic, eventType: eventType ?? 'unknown', reason: failure.reason, compensation };
    this.log.error(
      `dead-lettering ${where}${compensation ? ` (the ${eventType} compensation)` : ''} (${failure.reason}): ${failure.error}`,
    );
    try {
      await transactions.run(() =>
        outbox.enqueueMessage(deadLetter(message, { ...failure, consumer: groupId }, maxMessageBytes)),
      );
      metrics.deadLettered(labels);
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
      metrics.deadLettered(labels);
      return 'skipped';
    }
  }

  /** Every dead-letter series this consumer can produce exists from zero, so alerts see the first one. */
  private expectDeadLetters(): void {
    const { topics, metrics } = this.config;
    for (const topic of topics) {
      metrics.expectDeadLetters({ topic, eventType: 'unknown', compensation: false });
    }
    for (const [type, { topic }] of this.gate.events) {
      if (topics.includes(topic)) {
        metrics.expectDeadLetters({
          topic,
          eventType: type,
          compensation: isCompensation(this.getHandlers().get(type)),
        });
      }
    }
  }

  private async purgeInbox(): Promise<void> {
    const { transactions, options } = this.config;
    await transactions
      .run(() => purgeInbox(transactions.manager, options.inboxRetentionHours))
      .catch((error: unknown) => this.log.warn(`inbox purge failed: ${errorText(error)}`));
  }
}
