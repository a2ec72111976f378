import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TransactionHost } from '@app/consistency';
import { Order } from './order.entity';
import { OrderStatus, OrderTransition } from './order-status';

/** An open order past its step deadline; the deadline's partial index holds exactly the open orders. */
const EXPIRED = `status NOT IN ('COMPLETED', 'CANCELLED') AND step_deadline_at < now()`;

/** An order with its saga log, as the one query by primary key returns it. */
export interface OrderRow {
  id: string;
  status: OrderStatus;
  items: Order['items'];
  failure_reason: string | null;
  saga: Array<{ step: string; status: string; at: string; detail: string | null }>;
}

/** What a compare-and-set move returns: enough for the outcome event and the saga duration. */
export interface MovedOrder {
  created_at: Date;
  customer_id: string;
  failure_reason: string | null;
}

export type NewOrder = Pick<Order, 'id' | 'customerId' | 'items' | 'shippingAddress' | 'stepDeadlineAt'>;

/**
 * The orders table's SQL. Writes join the caller's transaction; reads run on the pool, so a long
 * poll never holds a transaction open.
 */
@Injectable()
export class OrdersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionHost,
  ) {}

  async insert(order: NewOrder): Promise<void> {
    await this.transactions.manager.insert(Order, { ...order, status: 'PENDING', failureReason: null });
  }

  /** The order and its saga log, or undefined when it does not exist or `owner` (when given) does not own it. */
  async findWithSaga(orderId: string, owner: string | null): Promise<OrderRow | undefined> {
    const [order] = await this.dataSource.query<OrderRow[]>(
      `SELECT o.id, o.status, o.items, o.failure_reason,
              (SELECT coalesce(json_agg(json_build_object('step', s.step, 'status', s.status, 'at', s.at, 'detail', s.detail)
                                        ORDER BY s.at, s.id), '[]')
               FROM saga_steps s WHERE s.order_id = o.id) AS saga
       FROM orders o
       WHERE o.id = $1 AND ($2::text IS NULL OR o.customer_id = $2)`,
      [orderId, owner],
    );
    return order;
  }

  /**
   * Locks the order for the rest of the transaction, ordering this step against a concurrent one for
   * the same order. Taken before the saga log's foreign key takes a share lock, so two of these
   * cannot deadlock upgrading theirs.
   */
  async lock(orderId: string): Promise<Pick<Order, 'status' | 'failureReason'> | undefined> {
    const [order] = await this.transactions.manager.query<
      Array<{ status: OrderStatus; failure_reason: string | null }>
    >('SELECT status, failure_reason FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    return order && { status: order.status, failureReason: order.failure_reason };
  }

  /** Compare-and-set: moves the order only from one of the transition's source states, with a new step deadline. */
  async move(
    orderId: string,
    transition: OrderTransition,
    reason: string | undefined,
    stepTimeoutMs: number,
  ): Promise<MovedOrder | undefined> {
    const { rows } = await this.transactions.prepared<MovedOrder>(
      `UPDATE orders
       SET status = $2, failure_reason = COALESCE(failure_reason, $3), updated_at = now(),
           step_deadline_at = now() + make_interval(secs => $4 / 1000.0)
       WHERE id = $1 AND status = ANY($5)
       RETURNING created_at, customer_id, failure_reason`,
      [orderId, transition.to, reason ?? null, stepTimeoutMs, [...transition.from]],
    );
    return rows[0];
  }

  /** Whether an open order is past its step deadline: one probe of the deadline index, on the pool. */
  async anyExpired(): Promise<boolean> {
    const [row] = await this.dataSource.query<Array<{ expired: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM orders WHERE ${EXPIRED}) AS expired`,
    );
    return row.expired;
  }

  /** Open orders past their step deadline, oldest first, locked; rows another scanner holds are skipped. */
  claimExpired(limit: number): Promise<Array<{ id: string; status: OrderStatus }>> {
    return this.transactions.manager.query<Array<{ id: string; status: OrderStatus }>>(
      `SELECT id, status FROM orders
       WHERE ${EXPIRED}
       ORDER BY step_deadline_at
       LIMIT $1
       FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }
}

/**
 * Open orders, counted up to `limit` from the partial index that holds only them, never the history.
 * A function of the pool rather than a repository method: admission control reads it from its own module.
 */
export async function countOpenOrders(dataSource: DataSource, limit: number): Promise<number> {
  const [row] = await dataSource.query<Array<{ open: number }>>(
    `SELECT count(*)::int AS open FROM (
       SELECT 1 FROM orders WHERE status NOT IN ('COMPLETED', 'CANCELLED') LIMIT $1
     ) open_orders`,
    [limit],
  );
  return row.open;
}
