import { Logger } from '@nestjs/common';
import { CompressionTypes, Kafka, Partitioners, Producer, TopicMessages } from 'kafkajs';
import { errorText } from '../errors/error-text';
import { FaultInjector } from '../faults/fault-points';
import { backoffDelay } from './backoff';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxNotifier } from './outbox.notifier';
import { OutboxOptions } from './outbox.options';
import { OutboxSignal } from './outbox-signal';
import { OutboxStore } from './outbox.store';
import { PendingOutboxRow } from './outbox-message';

const PURGE_INTERVAL_MS = 60_000;

/**
 * Publishes committed outbox rows to Kafka: idempotent producers, acks from all in-sync replicas,
 * rows marked only after the broker acknowledged them (at-least-once; consumers dedupe).
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly workers: RelayWorker[];
  private running = false;
  private loops: Array<Promise<void>> = [];
  private nextWorker = 0;
  private purgeTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    kafka: Kafka,
    private readonly store: OutboxStore,
    private readonly notifier: OutboxNotifier,
    private readonly signal: OutboxSignal,
    private readonly metrics: OutboxMetrics,
    private readonly options: OutboxOptions,
    private readonly faults: FaultInjector,
  ) {
    this.workers = Array.from({ length: options.concurrency }, () => new RelayWorker(kafka));
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.unsubscribe = this.signal.onCommitted(() => {
      this.wake();
      this.notifier.notify();
    });
    void this.notifier.listen(() => this.wake());
    this.loops = this.workers.map((worker) => this.run(worker));
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    void this.purge();
  }

  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    this.unsubscribe?.();
    clearInterval(this.purgeTimer);
    this.wakeAll();
    await Promise.all(this.loops);
    await this.notifier.close();
    await Promise.all(this.workers.map((worker) => worker.disconnect()));
  }

  /**
   * Asks one worker for a drain round: an idle one if there is one, else one already draining
   * (it loops once more). Waking every worker per commit would turn each commit into several
   * empty claim transactions; a worker that drains a full batch wakes the next instead.
   */
  wake(): void {
    const worker =
      this.workers.find((candidate) => candidate.idle) ?? this.workers[this.nextWorker++ % this.workers.length];
    worker.wake();
  }

  private wakeAll(): void {
    for (const worker of this.workers) {
      worker.wake();
    }
  }

  /** One round on one worker: claim lanes, publish their oldest rows, mark. Returns the count. */
  async drainOnce(worker: RelayWorker = this.workers[0]): Promise<number> {
    let claimed: PendingOutboxRow[] = [];
    try {
      const rows = await this.store.drain(this.options.batchSize, async (batch) => {
        claimed = batch;
        await this.faults.hit('outbox.after-commit-before-publish');
        await worker.publish(batch);
        await this.faults.hit('outbox.after-publish-before-mark');
      });
      const now = Date.now();
      for (const row of rows) {
        this.metrics.published.inc({ topic: row.topic });
        this.metrics.publishDelay.observe((now - row.createdAt.getTime()) / 1000);
      }
      return rows.length;
    } catch (error) {
      if (claimed.length > 0) {
        const ids = claimed.map((row) => row.id);
        await this.store.recordFailure(ids, errorText(error)).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Deletes published rows older than the retention window; returns how many. */
  async purgeExpired(): Promise<number> {
    const deleted = await this.store.purgePublished(this.options.retentionHours);
    if (deleted > 0) {
      this.logger.log(`purged ${deleted} published outbox rows`);
    }
    return deleted;
  }

  private async run(worker: RelayWorker): Promise<void> {
    let failedAttempts = 0;
    while (this.running) {
      worker.woken = false;
      let published: number;
      try {
        published = await this.drainOnce(worker);
        failedAttempts = 0;
      } catch (error) {
        failedAttempts += 1;
        this.metrics.failures.inc();
        const delay = backoffDelay(failedAttempts, { maxMs: this.options.maxBackoffMs });
        this.logger.warn(`publish failed (attempt ${failedAttempts}), retrying in ${delay} ms: ${errorText(error)}`);
        await worker.pause(delay, () => !this.running);
        continue;
      }
      if (published >= this.options.batchSize) {
        // A backlog: bring another worker in on other lanes.
        this.wake();
      } else if (!worker.woken) {
        await worker.pause(this.options.pollIntervalMs, () => true);
      }
    }
  }

  private async purge(): Promise<void> {
    await this.purgeExpired().catch((error: unknown) => this.logger.warn(`purge failed: ${errorText(error)}`));
  }
}

/**
 * One drain loop with its own producer: workers hold disjoint lanes, so several overlap database
 * work with broker round trips without ever sharing a key, and no two share idempotence state.
 */
class RelayWorker {
  woken = false;
  private producer?: Producer;
  private wakeUp?: () => void;

  constructor(private readonly kafka: Kafka) {}

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

  async publish(rows: PendingOutboxRow[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let topic = byTopic.get(row.topic);
      if (!topic) {
        topic = { topic: row.topic, messages: [] };
        byTopic.set(row.topic, topic);
      }
      topic.messages.push({ key: row.key, value: row.value, headers: row.headers });
    }
    const producer = await this.connectedProducer();
    try {
      await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1, compression: CompressionTypes.None });
    } catch (error) {
      // A fresh producer id resets idempotence sequence state that a failed send may have broken.
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
