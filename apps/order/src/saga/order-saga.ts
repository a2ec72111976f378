import { Inject, Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { currentMessage, FaultInjector, OutboxService, PoisonMessageError, TransactionHost } from '@app/consistency';
import { OrderTransition, OrderTransitions } from '../orders/order-status';
import { OrderWaiters } from '../orders/order-waiters';
import { OrderSagaMetrics } from './order-saga.metrics';
import { SAGA_OPTIONS } from './saga.options';
import type { SagaOptions } from './saga.options';

const FOREIGN_KEY_VIOLATION = '23503';

interface Moved {
  created_at: Date;
  customer_id: string;
  failure_reason: string | null;
}

/**
 * The order's side of the choreography: every reaction is a compare-and-set on the order's status,
 * so a duplicate, a reordered event or a late reply racing the scanner yields at most one move.
 */
@Injectable()
export class OrderSaga {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly metrics: OrderSagaMetrics,
    private readonly faults: FaultInjector,
    private readonly waiters: OrderWaiters,
    @Inject(SAGA_OPTIONS) private readonly options: SagaOptions,
  ) {}

  /** The deadline of the first step, for a new order. */
  firstDeadline(): Date {
    return new Date(Date.now() + this.options.stepTimeoutMs);
  }

  async started(orderId: string): Promise<void> {
    await this.log(orderId, 'order', 'PENDING');
  }

  async stockReserved(orderId: string): Promise<void> {
    await this.log(orderId, 'inventory', 'RESERVED');
    await this.move(orderId, OrderTransitions.stockReserved);
  }

  async stockRejected(orderId: string, reason: string): Promise<void> {
    await this.log(orderId, 'inventory', 'REJECTED', reason);
    await this.cancel(orderId, reason);
  }

  async shipmentScheduled(orderId: string, shipmentId: string): Promise<void> {
    await this.log(orderId, 'shipping', 'SCHEDULED', shipmentId);
    const moved = await this.move(orderId, OrderTransitions.shipmentScheduled);
    if (moved) {
      await this.outbox.enqueue({
        type: 'order.completed',
        orderId,
        payload: { customerId: moved.customer_id, shipmentId },
      });
      await this.finished(orderId, 'COMPLETED', moved);
    }
  }

  /** Compensation starts: inventory releases on shipping.failed and answers inventory.released. */
  async shipmentFailed(orderId: string, reason: string): Promise<void> {
    await this.log(orderId, 'shipping', 'FAILED', reason);
    const moved = await this.move(orderId, OrderTransitions.shipmentFailed, reason);
    // inventory.events and shipping.events are separate topics: the release may have come first.
    if (moved && (await this.logged(orderId, 'inventory', 'RELEASED'))) {
      await this.cancel(orderId, reason);
    }
  }

  async stockReleased(orderId: string): Promise<void> {
    const [order] = await this.transactions.manager.query<Array<{ status: string; failure_reason: string | null }>>(
      // The row lock orders this against a concurrent shipping.failed for the same order. Taken before
      // the saga log's foreign key takes a share lock, so two of these cannot deadlock upgrading theirs.
      'SELECT status, failure_reason FROM orders WHERE id = $1 FOR UPDATE',
      [orderId],
    );
    await this.log(orderId, 'inventory', 'RELEASED');
    if (order?.status === 'COMPENSATING') {
      await this.cancel(orderId, order.failure_reason ?? 'compensated');
    }
  }

  /** The scanner's move for a saga past its deadline. */
  async expire(orderId: string, status: string): Promise<void> {
    await this.log(orderId, 'scanner', 'DEADLINE_EXCEEDED', `no progress while ${status}`);
    await this.cancel(orderId, `saga deadline exceeded while ${status}`);
  }

  private async cancel(orderId: string, reason: string): Promise<void> {
    const moved = await this.move(orderId, OrderTransitions.cancel, reason);
    if (moved) {
      await this.faults.hit('saga.before-compensation-publish');
      await this.outbox.enqueue({
        type: 'order.cancelled',
        orderId,
        payload: { customerId: moved.customer_id, reason },
      });
      await this.finished(orderId, 'CANCELLED', moved, reason);
    }
  }

  private async finished(orderId: string, outcome: string, moved: Moved, reason?: string): Promise<void> {
    await this.log(orderId, 'order', outcome, reason);
    this.metrics.duration.observe({ outcome }, (Date.now() - moved.created_at.getTime()) / 1000);
  }

  /** Compare-and-set: moves the order only from one of the transition's source states. */
  private async move(orderId: string, transition: OrderTransition, reason?: string): Promise<Moved | undefined> {
    const [rows] = await this.transactions.manager.query<[Moved[], number]>(
      `UPDATE orders
       SET status = $2, failure_reason = COALESCE(failure_reason, $3), updated_at = now(),
           step_deadline_at = now() + make_interval(secs => $4 / 1000.0)
       WHERE id = $1 AND status = ANY($5)
       RETURNING created_at, customer_id, failure_reason`,
      [orderId, transition.to, reason ?? null, this.options.stepTimeoutMs, [...transition.from]],
    );
    if (rows[0]) {
      this.transactions.afterCommit(() => this.waiters.changed(orderId, transition.to));
    }
    return rows[0];
  }

  private async logged(orderId: string, step: string, status: string): Promise<boolean> {
    const rows = await this.transactions.manager.query<unknown[]>(
      'SELECT 1 FROM saga_steps WHERE order_id = $1 AND step = $2 AND status = $3 LIMIT 1',
      [orderId, step, status],
    );
    return rows.length > 0;
  }

  /**
   * Records a step at the time it happened: a participant's step at its event's occurredAt, since
   * its reply may reach us after a later step's (they travel on different topics); ours when recorded.
   */
  private async log(orderId: string, step: string, status: string, detail?: string): Promise<void> {
    const occurredAt = step === 'order' || step === 'scanner' ? null : currentMessage()?.envelope.occurredAt;
    try {
      await this.transactions.manager.query(
        'INSERT INTO saga_steps (order_id, step, status, detail, at) VALUES ($1, $2, $3, $4, COALESCE($5, clock_timestamp()))',
        [orderId, step, status, detail ?? null, occurredAt ?? null],
      );
    } catch (error) {
      // A reply for an order this service never created cannot succeed on any retry.
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === FOREIGN_KEY_VIOLATION
      ) {
        throw new PoisonMessageError(`${step} ${status} for order ${orderId}, which does not exist`);
      }
      throw error;
    }
  }
}
