import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TransactionHost } from '@app/consistency';
import { OrdersRepository } from '../orders/orders.repository';
import { OrderSaga } from './order-saga';
import { SAGA_OPTIONS } from './saga.options';
import type { SagaOptions } from './saga.options';

const BATCH = 50;

/**
 * Finds sagas with no progress past their deadline and cancels them (which compensates). Several
 * order instances scan at once safely: rows are claimed FOR UPDATE SKIP LOCKED and moved by CAS.
 */
@Injectable()
export class SagaScanner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SagaScanner.name);
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<number>;

  constructor(
    private readonly transactions: TransactionHost,
    private readonly orders: OrdersRepository,
    private readonly saga: OrderSaga,
    @Inject(SAGA_OPTIONS) private readonly options: SagaOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.options.scanIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
  }

  /** One pass; returns how many sagas it expired. */
  async scanOnce(): Promise<number> {
    // Most passes find nothing: a probe outside any transaction spares them the claim's three statements.
    if (!(await this.orders.anyExpired())) {
      return 0;
    }
    return this.transactions.run(async () => {
      const stuck = await this.orders.claimExpired(BATCH);
      for (const order of stuck) {
        await this.saga.expire(order.id, order.status);
      }
      return stuck.length;
    });
  }

  private async tick(): Promise<void> {
    if (this.scanning) {
      return;
    }
    this.scanning = this.scanOnce();
    try {
      const expired = await this.scanning;
      if (expired > 0) {
        this.logger.warn(`cancelled ${expired} saga(s) past their deadline`);
      }
    } catch (error) {
      this.logger.warn(`saga scan failed: ${(error as Error).message}`);
    } finally {
      this.scanning = undefined;
    }
  }
}
