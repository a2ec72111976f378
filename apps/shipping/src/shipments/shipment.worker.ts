import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  inSpan,
  SpanKind,
  backoffDelay,
  DistributedLock,
  errorText,
  LockLease,
  lockOrders,
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

/** A claimed shipment with its lease. */
interface Held {
  shipment: ClaimedShipment;
  lease: LockLease;
}

/** A booking the carrier made, with its reference. */
type Booked = Held & { reference: string };

/** A booking the carrier refused for good: the shipment fails. */
type Refused = Held & { refused: CarrierUnavailableError };

/**
 * Takes recorded shipment intents to the carrier: books BOOKING ones and cancels CANCELLING ones.
 * Each carrier call runs outside any database transaction, under `lock:shipment:<orderId>` (the
 * lease's fencing token goes to the carrier and guards the write of the outcome), and its outcome
 * commits with the event announcing it; the bookings of one claimed batch share their statements
 * (leases, fences, outcomes, events) and one transaction. Woken right after an intent commits; a sweep finds what a
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
      if (claimed.length > 0) {
        await this.work(claimed);
      }
      if (claimed.length < concurrency || this.stopped) {
        return;
      }
    }
  }

  /**
   * A claimed batch under leases asked for and released in one statement each: the bookings' carrier
   * calls run side by side and their outcomes commit in one transaction; cancellations go one by one.
   * A shipment whose key another instance holds is left to it (its claim lapses and brings it back
   * if needed).
   */
  private async work(claimed: ClaimedShipment[]): Promise<void> {
    const keyOf = (shipment: ClaimedShipment) => `lock:shipment:${shipment.orderId}`;
    try {
      await this.lock.withLocks(claimed.map(keyOf), { ttlMs: this.options.carrier.lockTtlMs }, async (leases) => {
        const held = claimed.flatMap((shipment) => {
          const lease = leases.get(keyOf(shipment));
          return lease ? [{ shipment, lease }] : [];
        });
        await Promise.all([
          this.bookAll(held.filter(({ shipment }) => shipment.status === 'BOOKING')),
          ...held
            .filter(({ shipment }) => shipment.status === 'CANCELLING')
            .map(({ shipment, lease }) => this.guarded(shipment, () => this.cancel(shipment, lease))),
        ]);
      });
    } catch (error) {
      // The leases could not be asked for or released; the claims lapse and bring the shipments back.
      this.logger.warn(`working on ${claimed.length} shipments failed: ${errorText(error)}`);
    }
  }

  /** Runs `step`; a failure other than a newer holder's takeover is tried again after a backoff. */
  private async guarded(shipment: ClaimedShipment, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof StaleFencingTokenError)) {
        await this.retryLater(shipment, error);
      }
    }
  }

  private async retryLater(shipment: ClaimedShipment, error: unknown): Promise<void> {
    const delay = backoffDelay(shipment.attempts, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
    const message = errorText(error);
    this.logger.warn(`shipment ${shipment.id} (${shipment.status}) failed, retrying in ${delay} ms: ${message}`);
    await this.shipments
      .retryLater(shipment.id, message, delay)
      .catch((cause: Error) => this.logger.warn(`recording the failure of ${shipment.id} failed: ${cause.message}`));
  }

  /** A call to the carrier, traced as a client span in the trace of the event that asked for it. */
  private carrierCall<T>(action: 'book' | 'cancel', cause: Cause, call: () => Promise<T>): Promise<T> {
    return inSpan(`carrier ${action}`, { kind: SpanKind.CLIENT, parent: cause.traceparent }, call);
  }

  /**
   * Books each shipment at the carrier, then records every answer in one transaction: BOOKED (fenced)
   * or FAILED, each with its event. A call that failed otherwise is tried again after a backoff; a
   * shipment cancelled meanwhile is cancelled at the carrier after the commit.
   */
  private async bookAll(held: Held[]): Promise<void> {
    if (held.length === 0) {
      return;
    }
    const answers: Array<Booked | Refused> = [];
    await Promise.all(
      held.map(async (holding) => {
        const { orderId, country, cause } = holding.shipment;
        try {
          const reference = await this.carrierCall('book', cause, () =>
            this.carrier.book(orderId, country, holding.lease.fencingToken, this.shutdown.signal),
          );
          answers.push({ ...holding, reference });
        } catch (error) {
          if (error instanceof CarrierUnavailableError) {
            answers.push({ ...holding, refused: error });
          } else {
            await this.retryLater(holding.shipment, error);
          }
        }
      }),
    );
    let cancelledMeanwhile: Array<Booked | Refused>;
    try {
      cancelledMeanwhile = await this.transactions.run(() => this.record(answers));
    } catch (error) {
      // Nothing committed: each is booked again later, and the carrier's idempotency key returns its booking.
      await Promise.all(answers.map(({ shipment }) => this.retryLater(shipment, error)));
      return;
    }
    await Promise.all(
      cancelledMeanwhile.map((answer) =>
        // A refused attempt may still have reached the carrier: cancel whatever it holds.
        this.guarded(answer.shipment, () =>
          this.cancel(
            {
              ...answer.shipment,
              status: 'CANCELLING',
              carrierReference: 'reference' in answer ? answer.reference : null,
            },
            answer.lease,
          ),
        ),
      ),
    );
  }

  /** Records the carrier's answers in the current transaction; returns those whose shipment was cancelled first. */
  private async record(answers: Array<Booked | Refused>): Promise<Array<Booked | Refused>> {
    if (answers.length > 1) {
      // Several orders' rows in one transaction: queue behind the consumer's batches on them, not in a cycle.
      await lockOrders(
        this.transactions.manager,
        answers.map(({ shipment }) => shipment.orderId),
      );
    }
    const cancelledMeanwhile: Array<Booked | Refused> = [];
    const booked = await this.fenced(answers.filter((answer): answer is Booked => 'reference' in answer));
    const moved =
      booked.length > 0
        ? await this.shipments.markBooked(
            booked.map(({ shipment, lease, reference }) => ({
              id: shipment.id,
              reference,
              fencingToken: lease.fencingToken,
            })),
          )
        : new Set<string>();
    for (const answer of booked) {
      const { shipment, reference } = answer;
      if (!moved.has(shipment.id)) {
        cancelledMeanwhile.push(answer);
        continue;
      }
      await this.outbox.enqueue({
        type: 'shipping.scheduled',
        orderId: shipment.orderId,
        payload: { shipmentId: shipment.id, carrierReference: reference },
        ...shipment.cause,
      });
    }
    for (const answer of answers.filter((candidate): candidate is Refused => 'refused' in candidate)) {
      const { shipment, refused } = answer;
      if (!(await this.shipments.markFailed(shipment.id, refused.message))) {
        cancelledMeanwhile.push(answer);
        continue;
      }
      await this.outbox.enqueue({
        type: 'shipping.failed',
        orderId: shipment.orderId,
        payload: { reason: refused.message },
        ...shipment.cause,
      });
    }
    return cancelledMeanwhile;
  }

  /** The bookings whose fence holds; one a newer holder passed is that holder's now, and its answer is dropped. */
  private async fenced(booked: Booked[]): Promise<Booked[]> {
    if (booked.length === 0) {
      return [];
    }
    const resource = ({ shipment }: Booked) => `shipment:${shipment.orderId}`;
    const current = await this.lock.fenceEach(
      booked.map((answer) => ({ resource: resource(answer), lease: answer.lease })),
    );
    return booked.filter((answer) => current.has(resource(answer)));
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
