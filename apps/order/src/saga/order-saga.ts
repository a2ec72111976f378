import { Inject, Injectable } from '@nestjs/common';
import { currentMessage, FaultInjector, OutboxService, TransactionHost } from '@app/consistency';
import { OrderTransition, OrderTransitions } from '../orders/order-status';
import { OrderWaiters } from '../orders/order-waiters';
import { MovedOrder, OrdersRepository } from '../orders/orders.repository';
import { CancellationCause, OrderSagaMetrics } from './order-saga.metrics';
import { SagaLogRepository } from './saga-log.repository';
import { SAGA_OPTIONS } from './saga.options';
import type { SagaOptions } from './saga.options';

/**
 * The order's side of the choreography: every reaction is a compare-and-set on the order's status,
 * so a duplicate, a reordered event or a late reply racing the scanner yields at most one move.
 */
@Injectable()
export class OrderSaga {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly orders: OrdersRepository,
    private readonly sagaLog: SagaLogRepository,
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

  started(orderId: string): void {
    this.log(orderId, 'order', 'PENDING');
  }

  async stockReserved(orderId: string): Promise<void> {
    this.log(orderId, 'inventory', 'RESERVED');
    await this.move(orderId, OrderTransitions.stockReserved);
  }

  async stockRejected(orderId: string, reason: string): Promise<void> {
    this.log(orderId, 'inventory', 'REJECTED', reason);
    await this.cancel(orderId, reason, 'rejected');
  }

  async shipmentScheduled(orderId: string, shipmentId: string): Promise<void> {
    this.log(orderId, 'shipping', 'SCHEDULED', shipmentId);
    const moved = await this.move(orderId, OrderTransitions.shipmentScheduled);
    if (moved) {
      await this.outbox.enqueue({
        type: 'order.completed',
        orderId,
        payload: { customerId: moved.customer_id, shipmentId },
      });
      this.finished(orderId, 'COMPLETED', moved);
    }
  }

  /** Compensation starts: inventory releases on shipping.failed and answers inventory.released. */
  async shipmentFailed(orderId: string, reason: string): Promise<void> {
    this.log(orderId, 'shipping', 'FAILED', reason);
    const moved = await this.move(orderId, OrderTransitions.shipmentFailed, reason);
    // inventory.events and shipping.events are separate topics: the release may have come first.
    if (moved && (await this.logged(orderId, 'inventory', 'RELEASED'))) {
      await this.cancel(orderId, reason, 'shipping-failed');
    }
  }

  async stockReleased(orderId: string): Promise<void> {
    // Ordered against a concurrent shipping.failed for the same order.
    const order = await this.orders.lock(orderId);
    this.log(orderId, 'inventory', 'RELEASED');
    if (order?.status === 'COMPENSATING') {
      await this.cancel(orderId, order.failureReason ?? 'compensated', 'shipping-failed');
    }
  }

  /** The scanner's move for a saga past its deadline. */
  async expire(orderId: string, status: string): Promise<void> {
    this.log(orderId, 'scanner', 'DEADLINE_EXCEEDED', `no progress while ${status}`);
    await this.cancel(orderId, `saga deadline exceeded while ${status}`, 'deadline');
  }

  private async cancel(orderId: string, reason: string, cause: CancellationCause): Promise<void> {
    const moved = await this.move(orderId, OrderTransitions.cancel, reason);
    if (moved) {
      this.transactions.afterCommit(() => this.metrics.cancelled(cause));
      await this.faults.hit('saga.before-compensation-publish');
      await this.outbox.enqueue({
        type: 'order.cancelled',
        orderId,
        payload: { customerId: moved.customer_id, reason },
      });
      this.finished(orderId, 'CANCELLED', moved, reason);
    }
  }

  private finished(orderId: string, outcome: string, moved: MovedOrder, reason?: string): void {
    this.log(orderId, 'order', outcome, reason);
    this.metrics.duration.observe({ outcome }, (Date.now() - moved.created_at.getTime()) / 1000);
  }

  /** Compare-and-set: moves the order only from one of the transition's source states. */
  private async move(orderId: string, transition: OrderTransition, reason?: string): Promise<MovedOrder | undefined> {
    const moved = await this.orders.move(orderId, transition, reason, this.options.stepTimeoutMs);
    if (moved) {
      this.transactions.afterCommit(() => this.waiters.changed(orderId, transition.to));
    }
    return moved;
  }

  private logged(orderId: string, step: string, status: string): Promise<boolean> {
    return this.sagaLog.has(orderId, step, status);
  }

  /**
   * Records a step at the time it happened: a participant's step at its event's occurredAt, since
   * its reply may reach us after a later step's (they travel on different topics); ours when recorded.
   */
  private log(orderId: string, step: string, status: string, detail?: string): void {
    const occurredAt = step === 'order' || step === 'scanner' ? undefined : currentMessage()?.envelope.occurredAt;
    this.sagaLog.append(orderId, step, status, detail, occurredAt);
  }
}
