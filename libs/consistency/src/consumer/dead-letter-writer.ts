import { Logger } from '@nestjs/common';
import { ConsumedEvent } from '@app/contracts';
import { errorText } from '../platform/errors/error-text';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsumerMetrics } from './consumer.metrics';
import { deadLetter, FailedMessage, Failure } from './dead-letter';
import { isPermanentFailure } from './failure-policy';
import { recordSkippedMessage } from './skipped-message';

export interface DeadLetterWriterOptions {
  transactions: TransactionHost;
  outbox: OutboxService;
  metrics: ConsumerMetrics;
  groupId: string;
  /** Largest message the event contract allows: a dead letter is cut to fit it. */
  maxMessageBytes: number;
  /** Whether this service handles `eventType` as a compensation (its dead letters page someone). */
  isCompensation: (eventType: string) => boolean;
}

/**
 * The consumer's dead-letter step. The dead letter goes through the outbox, so it is published even
 * if the process dies right after. If it cannot be written for a reason no retry changes, the
 * message is recorded in `skipped_messages` and skipped: nothing may stall a partition. A database
 * that does not answer is not such a reason: the error propagates and the message comes again.
 */
export class DeadLetterWriter {
  private readonly log = new Logger(DeadLetterWriter.name);

  constructor(private readonly options: DeadLetterWriterOptions) {}

  async write(
    message: FailedMessage,
    failure: Omit<Failure, 'consumer'>,
    eventType: string | undefined,
  ): Promise<'dead-lettered' | 'skipped'> {
    const { transactions, outbox, groupId, maxMessageBytes, metrics } = this.options;
    const where = `${message.topic}/${message.partition}@${message.offset}`;
    const compensation = eventType !== undefined && this.options.isCompensation(eventType);
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
  expectFor(topics: readonly string[], events: ReadonlyMap<string, ConsumedEvent>): void {
    const { metrics, isCompensation } = this.options;
    for (const topic of topics) {
      metrics.expectDeadLetters({ topic, eventType: 'unknown', compensation: false });
    }
    for (const [type, { topic }] of events) {
      if (topics.includes(topic)) {
        metrics.expectDeadLetters({ topic, eventType: type, compensation: isCompensation(type) });
      }
    }
  }
}
