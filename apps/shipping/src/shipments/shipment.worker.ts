import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  inSpan,
  SpanKind,
  backoffDelay,
  DistributedLock,
  LockAcquireFailedError,
  LockLease,
  OutboxService,
  StaleFencingTokenError,
  TransactionHost,
} from '@app/consistency';
import { CarrierClient, CarrierUnavailableError } from '../carrier/carrier.client';
import { SHIPPING_OPTIONS } from '../shipping.options';
import type { ShippingOptions } from '../shipping.options';
import { Cause, ClaimedShipment, ShipmentsRepository } from './shipments.repository';

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;

/**
 * Takes recorded shipment intents to the carrier: books BOOKING ones and cancels CANCELLING ones.
 * Each carrier call runs outside any database transaction, under `lock:shipment:<orderId>` (the
 * lease's fencing token goes to the carrier and guards the write of the outcome), and its outcome
 * commits with the event announcing it. Woken right after an intent commits; a sweep finds what a
 * crash or another instance left behind. Cancellations are retried until they succeed.
 */
@Injectable()
export class ShipmentWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ShipmentWorker.name);
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Ends carrier calls in flight at shutdown; their shipments are picked up again after restart. */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly shipments: ShipmentsRepository,
    private readonly carrier: CarrierClient,
    private readonly lock: DistributedLock,
    private readonly outbox: OutboxService,
    private readonly transactions: TransactionHost,
    @Inject(SHIPPING_OPTIONS) private readonly options: ShippingOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(this.wake, this.options.worker.sweepIntervalMs);
    this.timer.unref();
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.shutdown.abort();
    await this.draining;
  }

  /** Starts a drain, or asks the running one to look again when it ends. */
  readonly wake = (): void => {
    if (this.stopped) {
      return;
    }
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  };

  private async drain(): Promise<void> {
    const { concurrency } = this.options.worker;
    for (;;) {
      let claimed: ClaimedShipment[];
      try {
        claimed = await this.shipments.claimDue(concurrency, this.options.carrier.lockTtlMs);
      } catch (error) {
        this.logger.warn(`claiming shipments failed: ${(error as Error).message}`);
        return;
      }
      await Promise.all(claimed.map((shipment) => this.work(shipment)));
      if (claimed.length < concurrency || this.stopped) {
        return;
      }
    }
  }

  private async work(shipment: ClaimedShipment): Promise<void> {
    const key = `lock:shipment:${shipment.orderId}`;
    try {
      await this.lock.withLock(key, { ttlMs: this.options.carrier.lockTtlMs }, (lease) =>
        shipment.status === 'BOOKING' ? this.book(shipment, lease) : this.cancel(shipment, lease),
      );
    } catch (error) {
      if (error instanceof LockAcquireFailedError || error instanceof StaleFencingTokenError) {
        // Another instance holds or took over this shipment; the claim lapses and brings it back if needed.
        return;
      }
      const delay = backoffDelay(shipment.attempts, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
      this.logger.warn(
        `shipment ${shipment.id} (${shipment.status}) failed, retrying in ${delay} ms: ${(error as Error).message}`,
      );
      await this.shipments
        .retryLater(shipment.id, (error as Error).message, delay)
        .catch((cause: Error) => this.logger.warn(`recording the failure of ${shipment.id} failed: ${cause.message}`));
    }
  }

  /** A call to the carrier, traced as a client span in the trace of the event that asked for it. */
  private carrierCall<T>(action: 'book' | 'cancel', cause: Cause, call: () => Promise<T>): Promise<T> {
    return inSpan(`carrier ${action}`, { kind: SpanKind.CLIENT, parent: cause.traceparent }, call);
  }

  private async book(shipment: ClaimedShipment, lease: LockLease): Promise<void> {
    const { id, orderId, country, cause } = shipment;
    let reference: string;
    try {
      reference = await this.carrierCall('book', cause, () =>
        this.carrier.book(orderId, country, lease.fencingToken, this.shutdown.signal),
      );
    } catch (error) {
      if (!(error instanceof CarrierUnavailableError)) {
        throw error;
      }
      const failed = await this.transactions.run(async () => {
        if (!(await this.shipments.markFailed(id, error.message))) {
          return false;
        }
        await this.outbox.enqueue({ type: 'shipping.failed', orderId, payload: { reason: error.message }, ...cause });
        return true;
      });
      if (!failed) {
        // Cancelled while we tried: an attempt may have reached the carrier, so cancel whatever it holds.
        await this.cancel({ ...shipment, status: 'CANCELLING' }, lease);
      }
      return;
    }
    const booked = await this.transactions.run(async () => {
      await this.lock.fence(`shipment:${orderId}`, lease);
      if (!(await this.shipments.markBooked(id, reference, lease.fencingToken))) {
        return false;
      }
      await this.outbox.enqueue({
        type: 'shipping.scheduled',
        orderId,
        payload: { shipmentId: id, carrierReference: reference },
        ...cause,
      });
      return true;
    });
    if (!booked) {
      await this.cancel({ ...shipment, status: 'CANCELLING', carrierReference: reference }, lease);
    }
  }

  private async cancel(shipment: ClaimedShipment, lease: LockLease): Promise<void> {
    const { id, orderId, country, cause } = shipment;
    // The booking may have reached the carrier before a crash lost its answer: the idempotent booking
    // call returns its reference (or makes one to cancel), so nothing stays booked by accident.
    const reference =
      shipment.carrierReference ??
      (await this.carrierCall('book', cause, () =>
        this.carrier.book(orderId, country, lease.fencingToken, this.shutdown.signal),
      ));
    if (!shipment.carrierReference) {
      await this.transactions.run(() => this.shipments.recordReference(id, reference, lease.fencingToken));
    }
    await this.carrierCall('cancel', cause, () => this.carrier.cancel(reference, this.shutdown.signal));
    await this.transactions.run(async () => {
      await this.lock.fence(`shipment:${orderId}`, lease);
      if (await this.shipments.markCancelled(id)) {
        await this.outbox.enqueue({ type: 'shipping.cancelled', orderId, payload: { shipmentId: id }, ...cause });
      }
    });
  }
}
