import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isAdmin, OutboxService, Principal, Transactional } from '@app/consistency';
import { OrderSaga } from '../saga/order-saga';
import { Order } from './order.entity';
import { isTerminal } from './order-status';
import { OrderWaiters, otherThan, WaitOutcome } from './order-waiters';
import { OrdersRepository } from './orders.repository';
import { PlaceOrderDto } from './place-order.dto';
import type { LongPoll } from './wait-duration';

export interface SagaStepView {
  step: string;
  status: string;
  at: string;
  detail?: string;
}

export interface OrderView {
  orderId: string;
  status: Order['status'];
  items: Order['items'];
  failureReason?: string;
  saga: SagaStepView[];
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly outbox: OutboxService,
    private readonly saga: OrderSaga,
    private readonly waiters: OrderWaiters,
  ) {}

  /** The order, its `order.created` event and the saga's first log line commit together. */
  @Transactional()
  async placeOrder(customerId: string, request: PlaceOrderDto): Promise<Pick<OrderView, 'orderId' | 'status'>> {
    if (request.customerId !== undefined && request.customerId !== customerId) {
      throw new ForbiddenException("customerId must be the authenticated customer (the bearer token's sub)");
    }
    const orderId = randomUUID();
    const items = request.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const shippingAddress = { ...request.shippingAddress };
    await this.orders.insert({
      id: orderId,
      customerId,
      items,
      shippingAddress,
      stepDeadlineAt: this.saga.firstDeadline(),
    });
    this.saga.started(orderId);
    await this.outbox.enqueue({
      type: 'order.created',
      orderId,
      payload: { customerId, items, shippingAddress },
    });
    return { orderId, status: 'PENDING' };
  }

  /**
   * The order as its owner or an admin sees it, with its saga log, in one query by primary key;
   * anyone else is told it does not exist.
   */
  async getOrder(orderId: string, reader: Principal): Promise<OrderView> {
    const order = await this.orders.findWithSaga(orderId, isAdmin(reader) ? null : reader.sub);
    if (!order) {
      throw new NotFoundException(`order ${orderId} does not exist`);
    }
    return {
      orderId: order.id,
      status: order.status,
      items: order.items,
      ...(order.failure_reason ? { failureReason: order.failure_reason } : {}),
      saga: order.saga.map(({ step, status, at, detail }) => ({
        step,
        status,
        at: new Date(at).toISOString(),
        ...(detail ? { detail } : {}),
      })),
    };
  }

  /**
   * Long poll: the order once its status is one the poll waits for (any other than the one it had
   * when the request came, or a terminal one), or as it is when the wait runs out, the client goes
   * away or the service stops. A terminal order, or one asked for while the instance holds as many
   * requests as it may, is answered at once.
   */
  async waitForOrder(
    orderId: string,
    reader: Principal,
    { waitMs, until }: LongPoll,
    client: AbortSignal,
  ): Promise<OrderView> {
    const deadline = Date.now() + waitMs;
    const watch = waitMs > 0 ? this.waiters.watch(orderId) : undefined;
    let outcome: WaitOutcome | undefined;
    try {
      const arrived = await this.getOrder(orderId, reader);
      if (!watch || isTerminal(arrived.status)) {
        return arrived;
      }
      const wanted = until === 'terminal' ? isTerminal : otherThan(arrived.status);
      let current = arrived;
      // A wake-up can be for a change this read already saw: then the status is not wanted and it waits on.
      while (!wanted(current.status)) {
        outcome = await watch.next(wanted, deadline - Date.now(), client);
        if (outcome === 'disconnected') {
          return current;
        }
        current = await this.getOrder(orderId, reader);
        if (outcome !== 'changed') {
          break;
        }
      }
      return current;
    } finally {
      if (watch) {
        this.waiters.unwatch(watch, outcome);
      }
    }
  }
}
