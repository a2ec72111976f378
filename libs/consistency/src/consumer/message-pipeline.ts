import { Logger } from '@nestjs/common';
import { MessageHandler } from '@nestjs/microservices';
import { KafkaMessage } from 'kafkajs';
import { lastValueFrom, Observable } from 'rxjs';
import { EventEnvelope, EventHeaders } from '@app/contracts';
import { errorText } from '../platform/errors/error-text';
import { stringHeaders } from '../platform/kafka/kafka-headers';
import { runWithMessage } from '../platform/message-context';
import { acceptRequestId } from '../platform/request-context';
import { inSpan, SpanKind } from '../platform/tracing';
import { TransactionHost } from '../transaction/transaction-host';
import { BatchLocks } from './batch-locks';
import { BatchEntryError, handleInOneTransaction } from './batch-transaction';
import { ConsumerMetrics } from './consumer.metrics';
import { FailedMessage } from './dead-letter';
import { DeadLetterWriter } from './dead-letter-writer';
import { EventContext, EventSource } from './event-context';
import { admit, Admission, claimedType, GateRules } from './message-gate';
import { RetryOptions, withRetries } from './retry';

/** What became of one message; counted per topic in consumer_messages_total. */
export type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead-lettered' | 'skipped';

/** A message the gate let through, with the handler registered for its type and where it came from. */
interface AdmittedMessage {
  envelope: EventEnvelope;
  handler: MessageHandler;
  source: EventSource;
}

export interface MessagePipelineOptions {
  gate: GateRules;
  transactions: TransactionHost;
  groupId: string;
  /** The service's batch locks, when its handlers lock rows shared across orders. */
  batchLocks?: BatchLocks;
  batchMaxMessages: number;
  retry: RetryOptions;
  deadLetters: DeadLetterWriter;
  metrics: ConsumerMetrics;
  /** Nest's handler result (value, promise or observable) as an observable to wait for. */
  toObservable: (result: unknown) => Observable<unknown>;
}

/** How the transport follows a partition batch through the pipeline. */
export interface PartitionHooks {
  /** False once the consumer stops or the partition was taken away: the rest of the batch is left. */
  running: () => boolean;
  /** A chunk of messages starts, the first produced at `timestamp`. */
  handling: (timestamp: string) => void;
  /** The effects of the messages up to `offset` committed (or they were settled otherwise). */
  settled: (offset: string, outcomes: Outcome[]) => Promise<void>;
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/**
 * The consumer's steps, composed in one place: the gate decodes and admits each message
 * (message-gate), the messages of a chunk are handled in one transaction with their inbox rows
 * (batch-transaction); when that cannot be, each goes alone, retried with backoff (retry) and
 * dead-lettered when it cannot succeed (dead-letter-writer). The transport is told when each
 * chunk or message settled, and moves the offset.
 */
export class MessagePipeline {
  private readonly log = new Logger(MessagePipeline.name);

  constructor(private readonly options: MessagePipelineOptions) {}

  /** The messages of one fetched batch of a partition, in order. */
  async consume(topic: string, partition: number, messages: KafkaMessage[], hooks: PartitionHooks): Promise<void> {
    for (const chunk of chunksOf(messages, this.options.batchMaxMessages)) {
      if (!hooks.running()) {
        return;
      }
      hooks.handling(chunk[0].timestamp);
      const together = chunk.length > 1 ? await this.processTogether(topic, partition, chunk) : undefined;
      if (together && 'outcomes' in together) {
        await hooks.settled(chunk[chunk.length - 1].offset, together.outcomes);
        continue;
      }
      for (const message of chunk) {
        if (!hooks.running()) {
          return;
        }
        const failedFirst = together?.failed?.offset === message.offset ? together.failed : undefined;
        await hooks.settled(message.offset, [await this.process(topic, partition, message, failedFirst)]);
      }
    }
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
      const results = entries.length === 0 ? [] : await this.inOneTransaction(entries, 1);
      return { outcomes: admitted.map((entry) => (entry ? results[entries.indexOf(entry)] : 'ignored')) };
    } catch (error) {
      this.log.warn(
        `a batch of ${messages.length} from ${topic}/${partition} rolled back (${errorText(error)}); handling its messages one by one`,
      );
      this.options.metrics.batchFallbacks.inc({ topic });
      return error instanceof BatchEntryError
        ? { failed: { offset: (error.entry as AdmittedMessage).source.offset, error: error.cause } }
        : {};
    }
  }

  /** A message the gate lets through ('ignored' for a valid event this service has no handler for), or undefined for poison. */
  private admitted(topic: string, partition: number, message: KafkaMessage): AdmittedMessage | 'ignored' | undefined {
    try {
      const admission = admit(
        { topic, key: message.key, value: message.value, headers: message.headers },
        this.options.gate,
      );
      return admission.action === 'ignore' ? 'ignored' : this.entry(admission, topic, partition, message);
    } catch {
      return undefined;
    }
  }

  private entry(
    admission: Extract<Admission, { action: 'handle' }>,
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): AdmittedMessage {
    const source = { topic, partition, offset: message.offset, headers: stringHeaders(message.headers) };
    return { envelope: admission.envelope, handler: admission.handler, source };
  }

  /**
   * One message in its own transaction, retried with backoff, dead-lettered when it cannot succeed.
   * `failedFirst`: the error its handler already failed with in a batch that rolled back (attempt 1).
   */
  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    failedFirst?: { error: unknown },
  ): Promise<Outcome> {
    const failed: FailedMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers,
    };
    const { gate, deadLetters, metrics, retry } = this.options;
    let admission: Admission;
    try {
      admission = admit({ topic, key: message.key, value: message.value, headers: message.headers }, gate);
    } catch (error) {
      return deadLetters.write(
        failed,
        { reason: 'poison', error: errorText(error), attempts: 0 },
        claimedType(failed, gate),
      );
    }
    if (admission.action === 'ignore') {
      return 'ignored';
    }
    const entry = this.entry(admission, topic, partition, message);
    return withRetries<Outcome>(
      {
        attempt: (attempt) => this.handleAlone(entry, attempt),
        giveUp: ({ reason, error, attempts }) =>
          deadLetters.write(failed, { reason, error: errorText(error), attempts }, entry.envelope.type),
        retrying: (error, attempt, delay) => {
          this.log.warn(
            `${entry.envelope.type} ${entry.envelope.id} failed (attempt ${attempt}), retrying in ${delay} ms: ${errorText(error)}`,
          );
          metrics.retries.inc({ topic });
        },
        failedFirst,
      },
      retry,
    );
  }

  /** One attempt: inbox row, handler effects and the events it enqueues commit together. */
  private async handleAlone(entry: AdmittedMessage, attempt: number): Promise<Outcome> {
    try {
      const [outcome] = await this.inOneTransaction([entry], attempt);
      return outcome;
    } catch (error) {
      throw error instanceof BatchEntryError ? error.cause : error;
    }
  }

  private inOneTransaction(entries: AdmittedMessage[], attempt: number): Promise<Outcome[]> {
    const { transactions, groupId, batchLocks } = this.options;
    return handleInOneTransaction(entries, {
      transactions,
      groupId,
      locks: batchLocks,
      handle: (entry) => this.invoke(entry, attempt),
    });
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
            await lastValueFrom(this.options.toObservable(result), { defaultValue: undefined });
          },
        ),
    );
  }
}
