import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isAdmin, OutboxService, Principal, TransactionHost } from '@app/consistency';
import { OrderSaga } from '../saga/order-saga';
import { Order } from './order.entity';
import { PlaceOrderDto } from './place-order.dto';

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly saga: OrderSaga,
  ) {}

  /** The order, its `order.created` event and the saga's first log line commit together. */
  async placeOrder(customerId: string, request: PlaceOrderDto): Promise<Pick<OrderView, 'orderId' | 'status'>> {
    if (request.customerId !== undefined && request.customerId !== customerId) {
      throw new ForbiddenException("customerId must be the authenticated customer (the bearer token's sub)");
    }
    const orderId = randomUUID();
    const items = request.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const shippingAddress = { ...request.shippingAddress };
    await this.transactions.manager.insert(Order, {
      id: orderId,
      customerId,
      status: 'PENDING',
      items,
      shippingAddress,
      failureReason: null,
      stepDeadlineAt: this.saga.firstDeadline(),
    });
    await this.saga.started(orderId);
    await this.outbox.enqueue({
      type: 'order.created',
      orderId,
      payload: { customerId, items, shippingAddress },
    });
    return { orderId, status: 'PENDING' };
  }

  /** The order as its owner or an admin sees it; anyone else is told it does not exist. */
  async getOrder(orderId: string, reader: Principal): Promise<OrderView> {
    const order = await this.dataSource.manager.findOneBy(Order, {
      id: orderId,
      ...(isAdmin(reader) ? {} : { customerId: reader.sub }),
    });
    if (!order) {
      throw new NotFoundException(`order ${orderId} does not exist`);
    }
    const steps = await this.dataSource.query<Array<{ step: string; status: string; at: Date; detail: string | null }>>(
      'SELECT step, status, at, detail FROM saga_steps WHERE order_id = $1 ORDER BY at, id',
      [orderId],
    );
    return {
      orderId: order.id,
      status: order.status,
      items: order.items,
      ...(order.failureReason ? { failureReason: order.failureReason } : {}),
      saga: steps.map(({ step, status, at, detail }) => ({
        step,
        status,
        at: at.toISOString(),
        ...(detail ? { detail } : {}),
      })),
    };
  }
}
