import { Logger } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { Kafka } from 'kafkajs';
import { errorText } from '../platform/errors/error-text';
import { FaultInjector } from '../faults/fault-points';
import { backoffDelay } from '../platform/backoff';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxNotifier } from './outbox.notifier';
import { OutboxOptions } from './outbox.options';
import { OutboxSignal } from './outbox-signal';
import { ClaimLimits, DrainedRound, OutboxStore, RoundResult } from './outbox.store';
import { PendingOutboxRow } from './outbox-message';
import { rejectionOf } from './parking';
import { RelayWorker, SendReport } from './relay-worker';

const PURGE_INTERVAL_MS = 60_000;
/** A claim holds at most this many full produce requests, so a backlog of large events stays bounded in memory. */
const REQUESTS_PER_CLAIM = 8;

/** A relay round that reached the broker: what it published, and whether more rows are probably waiting. */
export interface RelayRound {
  published: number;
  full: boolean;
}

/**
 * Publishes committed outbox rows to Kafka: idempotent producers, acks from all in-sync replicas,
 * rows marked only after the broker acknowledged them (at-least-once; consumers dedupe).
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly workers: RelayWorker[];
  private readonly limits: ClaimLimits;
  private running = false;
  private loops: Array<Promise<void>> = [];
  private nextWorker = 0;
  /** Commits announced so far; a worker that saw some arrive during its round looks again at once. */
  private commits = 0;
  private purgeTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  /** Set while rounds fail to reach the broker; cleared by the next round that does. */
  private brokerTrouble?: string;
  /** Sends the rows writers of this process held for it, right after their commits. */
  private readonly afterCommit: RelayWorker;
  private committedRows: PendingOutboxRow[] = [];
  private sendingCommitted?: Promise<void>;
  /**
   * The relay's own async context, taken when it is built: a batch carries rows of many requests, so
   * its logs and spans must not belong to whichever request committed first.
   */
  private readonly scope = new AsyncResource('OutboxRelay.afterCommit');
  private withdrawPublisher?: () => void;

  constructor(
    kafka: Kafka,
    private readonly store: OutboxStore,
    private readonly notifier: OutboxNotifier,
    private readonly signal: OutboxSignal,
    private readonly metrics: OutboxMetrics,
    private readonly options: OutboxOptions,
    private readonly faults: FaultInjector,
  ) {
    this.workers = Array.from({ length: options.concurrency }, () => new RelayWorker(kafka, options.maxRequestBytes));
    this.afterCommit = new RelayWorker(kafka, options.maxRequestBytes);
    this.limits = { rows: options.batchSize, bytes: options.maxRequestBytes * REQUESTS_PER_CLAIM };
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.unsubscribe = this.signal.onCommitted(() => {
      this.committed();
      this.notifier.notify();
    });
    void this.notifier.listen(() => this.committed());
    if (this.options.publishAfterCommit) {
      this.withdrawPublisher = this.signal.publishAfterCommit({
        ready: () => this.running && this.brokerTrouble === undefined,
        publish: (rows) => this.publishCommitted(rows),
      });
      void this.afterCommit.connect();
    }
    for (const worker of this.workers) {
      void worker.connect();
    }
    this.loops = this.workers.map((worker) => this.run(worker));
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    void this.purge();
  }

  /**
   * Stops the drain loops after their current round; with `flushForMs`, publishes what is still
   * pending for up to that long first, so events committed by the last requests leave with this
   * process rather than waiting for another instance's poll.
   */
  async stop({ flushForMs = 0 }: { flushForMs?: number } = {}): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    this.unsubscribe?.();
    this.withdrawPublisher?.();
    clearInterval(this.purgeTimer);
    this.wakeAll();
    await Promise.all([...this.loops, this.sendingCommitted]);
    if (flushForMs > 0) {
      await this.flush(Date.now() + flushForMs);
    }
    await this.notifier.close();
    await Promise.all([...this.workers, this.afterCommit].map((worker) => worker.disconnect()));
  }

  /** Why the relay cannot publish (the broker does not take its rounds), or undefined. */
  get problem(): string | undefined {
    return this.brokerTrouble;
  }

  /**
   * Asks for a drain round after a commit: from a worker already draining when there is one (it
   * loops once more and takes this commit's rows with whatever else committed meanwhile), else from
   * an idle one. Starting a second worker for each commit would mostly buy empty claim transactions,
   * its rows already taken by the first; a worker that drains a full batch brings in another itself.
   */
  wake(): void {
    const worker =
      this.workers.find((candidate) => !candidate.idle) ??
      this.workers.find((candidate) => candidate.idle) ??
      this.workers[this.nextWorker++ % this.workers.length];
    worker.wake();
  }

  /** Brings an idle worker in on other lanes (a backlog); when none is idle, the busy ones carry on. */
  private wakeAnother(): void {
    this.workers.find((candidate) => candidate.idle)?.wake();
  }

  private async flush(deadline: number): Promise<void> {
    try {
      while (Date.now() < deadline) {
        const round = await this.drainOnce();
        if (!round.full && round.published === 0) {
          return;
        }
      }
    } catch (error) {
      this.logger.warn(`final publish before shutdown failed; another instance will publish: ${errorText(error)}`);
    }
  }

  private committed(): void {
    this.commits++;
    this.wake();
  }

  private wakeAll(): void {
    for (const worker of this.workers) {
      worker.wake();
    }
  }

  /**
   * One round on one worker: claim lanes, publish their oldest sendable rows, record the outcome.
   * Refused rows are counted (and parked in time) without failing the round; a broker that cannot
   * be reached fails it, after the rows it did take are marked, so the worker backs off. With
   * `probeFirst` (a round nothing asked for), an outbox with nothing to send ends it before the claim.
   */
  async drainOnce(worker: RelayWorker = this.workers[0], { probeFirst = false } = {}): Promise<RelayRound> {
    if (probeFirst && !(await this.store.hasSendable())) {
      return { published: 0, full: false };
    }
    let claimed: PendingOutboxRow[] = [];
    let round: DrainedRound;
    try {
      round = await this.store.drain(this.limits, async (rows) => {
        claimed = rows;
        await this.faults.hit('outbox.after-commit-before-publish');
        const report = await worker.send(rows);
        await this.faults.hit('outbox.after-publish-before-mark');
        return this.settle(report);
      });
    } catch (error) {
      // The round rolled back: every claimed row counts a failed attempt.
      if (claimed.length > 0) {
        const ids = claimed.map((row) => row.id);
        await this.store.recordFailure(ids, errorText(error)).catch(() => undefined);
      }
      throw error;
    }
    this.observe(round);
    if (round.failed) {
      throw round.failed.error;
    }
    return { published: round.published.length, full: round.full };
  }

  /**
   * Rows a writer of this process committed and held for it: they go out at once, together with any
   * that commit while a send is in flight, and are marked in one statement. What the broker did not
   * take is let go to the relay's rounds (which count refusals and park) and the rounds are woken.
   */
  private publishCommitted(rows: PendingOutboxRow[]): void {
    this.committedRows.push(...rows);
    // On the next turn of the event loop: the committing request answers first, and commits of the
    // same turn share the send.
    this.sendingCommitted ??= this.scope
      .runInAsyncScope(() => new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.sendCommitted()))
      .finally(() => (this.sendingCommitted = undefined));
  }

  /** Sends batch after batch, each one marked (or let go) before the next is sent. */
  private async sendCommitted(): Promise<void> {
    while (this.committedRows.length > 0) {
      const rows = this.committedRows;
      this.committedRows = [];
      const commitsBefore = this.commits;
      let report: SendReport | undefined;
      try {
        await this.faults.hit('outbox.after-commit-before-publish');
        report = await this.afterCommit.send(rows);
      } catch (error) {
        this.logger.warn(`publishing right after commit failed; the relay takes the rows over: ${errorText(error)}`);
      }
      await this.settleCommitted(rows, report, commitsBefore);
    }
  }

  /** Marks what the broker took; lets the rest go to the relay's rounds, and wakes them when they may have work. */
  private async settleCommitted(
    rows: PendingOutboxRow[],
    report: SendReport | undefined,
    commitsBefore: number,
  ): Promise<void> {
    let published: PendingOutboxRow[] = [];
    if (report) {
      if (report.failed) {
        this.brokerTrouble = `publishing fails: ${errorText(report.failed.error)}`;
      }
      try {
        await this.faults.hit('outbox.after-publish-before-mark');
        await this.store.markPublished(report.published);
        published = report.published;
        this.observe({ published, rejected: [], splitRequests: report.splitRequests });
        this.metrics.publishedAfterCommit.inc(published.length);
      } catch (error) {
        this.logger.warn(
          `marking rows sent right after commit failed; the relay sends them again: ${errorText(error)}`,
        );
      }
    }
    const sent = new Set(published);
    const left = rows.filter((row) => !sent.has(row));
    if (left.length > 0) {
      await this.store
        .release(left)
        .catch((error: unknown) =>
          this.logger.warn(
            `letting go of ${left.length} held rows failed; they go when their hold lapses: ${errorText(error)}`,
          ),
        );
    }
    // Rows committed for the rounds meanwhile may have waited behind these (same key): a round now finds them.
    if (left.length > 0 || this.commits !== commitsBefore) {
      this.wake();
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
    // Rounds that no commit asked for (the first, and those after a poll interval or a backoff) look
    // before they claim: most find nothing.
    let unasked = true;
    while (this.running) {
      worker.woken = false;
      const commitsBefore = this.commits;
      let round: RelayRound;
      try {
        round = await this.drainOnce(worker, { probeFirst: unasked });
        failedAttempts = 0;
        this.brokerTrouble = undefined;
      } catch (error) {
        failedAttempts += 1;
        this.brokerTrouble = `publishing fails (attempt ${failedAttempts}): ${errorText(error)}`;
        this.metrics.failures.inc();
        const delay = backoffDelay(failedAttempts, { maxMs: this.options.maxBackoffMs });
        this.logger.warn(`publish failed (attempt ${failedAttempts}), retrying in ${delay} ms: ${errorText(error)}`);
        await worker.pause(delay, () => !this.running);
        unasked = true;
        continue;
      }
      unasked = false;
      if (round.full) {
        // A backlog: bring another worker in on other lanes.
        this.wakeAnother();
      } else if (!worker.woken && this.commits === commitsBefore) {
        // A row committed during the round may sit in a lane this worker held, which the worker woken
        // for it had to skip: only when nothing was committed meanwhile is sleeping safe.
        await worker.pause(this.options.pollIntervalMs, () => true);
        unasked = !worker.woken;
      }
    }
  }

  private settle({ refused, ...report }: SendReport): RoundResult {
    return { ...report, rejected: refused.map(({ row, error }) => rejectionOf(row, error, this.options)) };
  }

  private observe({ published, rejected, splitRequests }: RoundResult): void {
    if (splitRequests > 0) {
      this.metrics.splitRequests.inc(splitRequests);
      this.logger.warn(
        `the broker refused ${splitRequests} produce request(s) whole; their rows went again one by one ` +
          "(is OUTBOX_MAX_REQUEST_BYTES above a topic's max.message.bytes?)",
      );
    }
    const now = Date.now();
    const perTopic = new Map<string, number>();
    for (const row of published) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      this.metrics.publishDelay.observe((now - row.createdAtMs) / 1000);
    }
    for (const [topic, count] of perTopic) {
      this.metrics.published.inc({ topic }, count);
    }
    for (const { row, error, park } of rejected) {
      this.metrics.rejections.inc({ topic: row.topic });
      if (park) {
        this.metrics.parked.inc({ topic: row.topic });
        this.logger.error(
          `parked outbox row ${row.id} (${row.eventType} ${row.eventId} to ${row.topic}) after ` +
            `${row.rejections + 1} refusals; later events of its key wait until npm run outbox -- retry: ${error}`,
        );
      } else {
        this.logger.warn(
          `broker refused outbox row ${row.id} (${row.eventType} ${row.eventId} to ${row.topic}): ${error}`,
        );
      }
    }
  }

  private async purge(): Promise<void> {
    await this.purgeExpired().catch((error: unknown) => this.logger.warn(`purge failed: ${errorText(error)}`));
  }
}
