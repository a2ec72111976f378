import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS_REGISTRY, ServiceLifecycle } from '@app/consistency';
import { LONG_POLL_OPTIONS } from './long-poll.options';
import type { LongPollOptions } from './long-poll.options';
import type { OrderStatus } from './order-status';

const WAIT_OUTCOMES = ['changed', 'expired', 'disconnected', 'shutdown'] as const;

/** How one wait of a long poll ended. */
export type WaitOutcome = (typeof WAIT_OUTCOMES)[number];

/** Whether a status is the one a wait is for. */
export type StatusWanted = (status: OrderStatus) => boolean;

/** Any status but the one the request saw. */
export const otherThan =
  (seen: OrderStatus): StatusWanted =>
  (status) =>
    status !== seen;

/** One request waiting for one order to reach a status it wants. */
export class OrderWatch {
  /** The newest status heard of and not yet acted on. */
  private heard?: OrderStatus;
  private wanted?: StatusWanted;
  private wake?: (outcome: WaitOutcome) => void;
  private ended = false;

  constructor(readonly orderId: string) {}

  /** The order's status, just committed here or re-read; wakes a wait that wants it. */
  hear(status: OrderStatus): void {
    this.heard = status;
    if (this.wanted?.(status)) {
      this.wake?.('changed');
    }
  }

  /** The service stops: waits end now. */
  end(): void {
    this.ended = true;
    this.wake?.('shutdown');
  }

  /**
   * Waits until a wanted status is heard (heard before the call counts too), the time is up, the
   * client goes away or the service stops.
   */
  next(wanted: StatusWanted, timeoutMs: number, client: AbortSignal): Promise<WaitOutcome> {
    const heard = this.heard;
    this.heard = undefined;
    if (this.ended) {
      return Promise.resolve('shutdown');
    }
    if (client.aborted) {
      return Promise.resolve('disconnected');
    }
    if (heard !== undefined && wanted(heard)) {
      return Promise.resolve('changed');
    }
    if (timeoutMs <= 0) {
      return Promise.resolve('expired');
    }
    return new Promise((resolve) => {
      const finish = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        client.removeEventListener('abort', disconnected);
        this.wake = undefined;
        this.wanted = undefined;
        this.heard = undefined;
        resolve(outcome);
      };
      const disconnected = () => finish('disconnected');
      const timer = setTimeout(() => finish('expired'), timeoutMs);
      client.addEventListener('abort', disconnected, { once: true });
      this.wanted = wanted;
      this.wake = finish;
    });
  }
}

/**
 * The long polls this instance holds. They are woken in-process right after the commit that moves
 * their order, and by one query every recheck interval for changes other order instances commit:
 * a waiting request costs no query of its own.
 */
@Injectable()
export class OrderWaiters implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrderWaiters.name);
  private readonly watches = new Map<string, Set<OrderWatch>>();
  private size = 0;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private rechecking?: Promise<void>;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @Inject(LONG_POLL_OPTIONS) private readonly options: LongPollOptions,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(METRICS_REGISTRY) registry: Registry,
    lifecycle: ServiceLifecycle,
  ) {
    lifecycle.onDraining(() => this.release());
    const waiters = () => this.size;
    new Gauge({
      name: 'order_long_poll_waiters',
      help: 'GET /orders/:id?wait= requests this instance holds now',
      registers: [registry],
      collect() {
        this.set(waiters());
      },
    });
    this.outcomes = new Counter({
      name: 'order_long_polls_total',
      help: 'Long polls by how they ended: changed, expired, disconnected, shutdown, or over_capacity (answered at once)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of [...WAIT_OUTCOMES, 'over_capacity']) {
      this.outcomes.inc({ outcome }, 0);
    }
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.options.recheckIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.release();
    await this.rechecking;
  }

  /**
   * Held requests are answered now, with the order as it is: shutdown drains HTTP before anything
   * else, and must not wait out their waits.
   */
  private release(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const watches of this.watches.values()) {
      watches.forEach((watch) => watch.end());
    }
  }

  /**
   * Starts watching an order; call it before reading the order, so a change committed in between
   * is not missed. Undefined past the cap or while shutting down: answer at once.
   */
  watch(orderId: string): OrderWatch | undefined {
    if (this.closed || this.size >= this.options.maxWaiters) {
      this.outcomes.inc({ outcome: 'over_capacity' });
      return undefined;
    }
    const watch = new OrderWatch(orderId);
    const watches = this.watches.get(orderId) ?? new Set();
    this.watches.set(orderId, watches.add(watch));
    this.size++;
    return watch;
  }

  /** Stops watching; `outcome` is how its last wait ended, if it waited. */
  unwatch(watch: OrderWatch, outcome?: WaitOutcome): void {
    const watches = this.watches.get(watch.orderId);
    if (!watches?.delete(watch)) {
      return;
    }
    this.size--;
    if (watches.size === 0) {
      this.watches.delete(watch.orderId);
    }
    if (outcome !== undefined) {
      this.outcomes.inc({ outcome });
    }
  }

  /** An order's status changed; called after the commit, never inside the transaction. */
  changed(orderId: string, status: OrderStatus): void {
    this.watches.get(orderId)?.forEach((watch) => watch.hear(status));
  }

  /** Re-reads every watched order in one query. */
  async recheck(): Promise<void> {
    const orderIds = [...this.watches.keys()];
    if (orderIds.length === 0) {
      return;
    }
    const rows = await this.dataSource.query<Array<{ id: string; status: OrderStatus }>>(
      'SELECT id, status FROM orders WHERE id = ANY($1::uuid[])',
      [orderIds],
    );
    for (const { id, status } of rows) {
      this.changed(id, status);
    }
  }

  private async tick(): Promise<void> {
    if (this.rechecking || this.watches.size === 0) {
      return;
    }
    this.rechecking = this.recheck().catch((error: Error) => this.logger.warn(`recheck failed: ${error.message}`));
    await this.rechecking;
    this.rechecking = undefined;
  }
}
