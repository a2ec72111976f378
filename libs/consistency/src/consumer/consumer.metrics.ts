import { Counter, Gauge, Registry } from 'prom-client';
import { ConsumerState } from './consumer-state';
import type { Failure } from './dead-letter';

type DeadLetterReason = Failure['reason'];

const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['poison', 'retries-exhausted'];

/** The labels of a dead letter: where it came from, what it claimed to be, and whether it undid something. */
export interface DeadLetterLabels {
  topic: string;
  /** A type of the topic's catalogue, or `unknown`: anything else would be a series per poison. */
  eventType: string;
  reason: DeadLetterReason;
  /** Its handler is a compensation (`@OnEvent(type, { compensation: true })`): nothing else will undo the step. */
  compensation: boolean;
}

/** Prometheus view of the consumer: outcomes per topic, dead letters, retries, lag, stalls. */
export class ConsumerMetrics {
  readonly messages: Counter<'topic' | 'outcome'>;
  readonly retries: Counter<'topic'>;
  readonly batchFallbacks: Counter<'topic'>;
  private readonly deadLetters: Counter<'topic' | 'event_type' | 'reason' | 'compensation'>;

  constructor(registry: Registry, state: ConsumerState) {
    new Gauge({
      name: 'consumer_partition_stalled_seconds',
      help: 'How long a partition has not moved while messages wait behind its head (absent when it moves)',
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { topic, partition, stalledForMs } of state.stalled) {
          this.set({ topic, partition: String(partition) }, stalledForMs / 1000);
        }
      },
    });
    new Gauge({
      name: 'consumer_lag_messages',
      help: 'Messages waiting behind the head of each partition this instance holds, as far as its fetches have seen',
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { topic, partition, lag } of state.backlog) {
          this.set({ topic, partition: String(partition) }, lag);
        }
      },
    });
    new Gauge({
      name: 'consumer_oldest_unprocessed_age_seconds',
      help: 'Age of the oldest message not yet handled in each partition this instance holds (0 when caught up)',
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { topic, partition, oldestUnprocessedMs } of state.backlog) {
          this.set({ topic, partition: String(partition) }, oldestUnprocessedMs / 1000);
        }
      },
    });
    this.messages = new Counter({
      name: 'consumer_messages_total',
      help: 'Messages consumed, by outcome: processed, duplicate, ignored, dead-lettered, skipped (not even dead-letterable)',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'consumer_retries_total',
      help: 'Handler attempts that failed and were retried',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.batchFallbacks = new Counter({
      name: 'consumer_batch_fallbacks_total',
      help: 'Batches that rolled back and were handled again one message per transaction',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: 'consumer_dead_letters_total',
      help: 'Messages given up on (dead-lettered, or skipped when even that failed), by topic, event type, reason and whether their handler is a compensation',
      labelNames: ['topic', 'event_type', 'reason', 'compensation'],
      registers: [registry],
    });
  }

  /** Series that exist from zero, so increase() sees the first dead letter of each. */
  expectDeadLetters(labels: Omit<DeadLetterLabels, 'reason'>): void {
    for (const reason of DEAD_LETTER_REASONS) {
      this.deadLetters.inc(series({ ...labels, reason }), 0);
    }
  }

  deadLettered(labels: DeadLetterLabels): void {
    this.deadLetters.inc(series(labels));
  }
}

function series({ topic, eventType, reason, compensation }: DeadLetterLabels) {
  return { topic, event_type: eventType, reason, compensation: String(compensation) };
}
