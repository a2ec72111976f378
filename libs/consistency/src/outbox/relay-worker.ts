import { CompressionTypes, Kafka, Partitioners, Producer, TopicMessages } from 'kafkajs';
import { EventHeaders } from '@app/contracts';
import { SpanKind, startSpan } from '../platform/tracing';
import { PendingOutboxRow } from './outbox-message';
import { isBrokerRefusal } from './parking';
import { takeRequest } from './produce-requests';

/** Links a publish span keeps to the events' traces; a round may carry hundreds. */
const MAX_SPAN_LINKS = 32;

/** What became of a round's rows on the broker. */
export interface SendReport {
  published: PendingOutboxRow[];
  /** Rows the broker refused when sent alone; later rows of their keys were held back. */
  refused: Array<{ row: PendingOutboxRow; error: unknown }>;
  /** Requests of several rows the broker refused, then sent again row by row. */
  splitRequests: number;
  /** The broker could not be reached: these rows were in flight; the rest were not tried. */
  failed?: { rows: PendingOutboxRow[]; error: unknown };
}

/**
 * One drain loop with its own producer: workers hold disjoint lanes, so several overlap database
 * work with broker round trips without ever sharing a key, and no two share idempotence state.
 */
export class RelayWorker {
  woken = false;
  private producer?: Promise<Producer>;
  private wakeUp?: () => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly maxRequestBytes: number,
  ) {}

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Sleeping until woken or the poll interval, rather than draining. */
  get idle(): boolean {
    return this.wakeUp !== undefined;
  }

  /** Sleeps `ms`, or less when woken while `wakeable()` allows a wake-up to cut the sleep short. */
  pause(ms: number, wakeable: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        if (wakeable()) {
          clearTimeout(timer);
          resolve();
        }
      };
    }).finally(() => (this.wakeUp = undefined));
  }

  /**
   * Sends `rows` in their order, one produce request after the other, each within the byte cap. When
   * the broker refuses a request, its rows are sent again one by one to find the refused one: a
   * request spans partitions, the broker refuses per partition without saying which record, and one
   * row at a time names the culprit exactly at the cost of a few small requests, which only happen
   * after a refusal (bisecting saves requests, but each half would have to wait for the rows of its
   * keys in the other). A row refused before goes alone from the start. A refused row holds back the
   * later rows of its key for this round, so they never overtake it; other keys go on.
   */
  async send(rows: PendingOutboxRow[]): Promise<SendReport> {
    const report: SendReport = { published: [], refused: [], splitRequests: 0 };
    const suspects = new Set(rows.filter((row) => row.rejections > 0));
    let queue = rows;
    while (queue.length > 0) {
      const request = takeRequest(queue, this.maxRequestBytes, (row) => suspects.has(row));
      queue = queue.slice(request.length);
      const failure = await this.sendRequest(request);
      const error = failure?.error;
      if (failure === undefined) {
        report.published.push(...request);
      } else if (!isBrokerRefusal(error)) {
        report.failed = { rows: request, error };
        return report;
      } else if (request.length > 1) {
        report.splitRequests += 1;
        request.forEach((row) => suspects.add(row));
        queue = [...request, ...queue];
      } else {
        const [refused] = request;
        report.refused.push({ row: refused, error });
        queue = queue.filter((row) => row.key !== refused.key);
      }
    }
    return report;
  }

  /**
   * Connects the producer ahead of the first send, so the first events after start-up do not wait
   * for a connection and producer id. A broker that is down is left to the first send's retries.
   */
  async connect(): Promise<void> {
    await this.connectedProducer().catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((connected) => connected.disconnect()).catch(() => undefined);
  }

  /** One produce request; returns what it failed with, if it did. */
  private async sendRequest(rows: PendingOutboxRow[]): Promise<{ error: unknown } | undefined> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let topic = byTopic.get(row.topic);
      if (!topic) {
        topic = { topic: row.topic, messages: [] };
        byTopic.set(row.topic, topic);
      }
      topic.messages.push({ key: row.key, value: row.value, headers: row.headers });
    }
    let producer: Producer | undefined;
    // One span per produce request, linked to the trace of every event it carries (up to a bound).
    const span = startSpan('publish', {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.batch.message_count': rows.length },
      links: rows.slice(0, MAX_SPAN_LINKS).map((row) => row.headers[EventHeaders.traceparent]),
    });
    try {
      producer = await this.connectedProducer();
      await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1, compression: CompressionTypes.None });
      span.end();
      return undefined;
    } catch (error) {
      span.end(error);
      // kafkajs rolls back the sequence numbers of every partition of a failed request, also those the
      // broker appended; a fresh producer id keeps the next send from being taken for a duplicate.
      this.producer = undefined;
      await producer?.disconnect().catch(() => undefined);
      return { error };
    }
  }

  /** The producer, connected once however many callers ask at the same time; a failed connection is forgotten. */
  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
      });
      const connecting = producer.connect().then(() => producer);
      this.producer = connecting;
      connecting.catch(() => {
        if (this.producer === connecting) {
          this.producer = undefined;
        }
      });
    }
    return this.producer;
  }
}
