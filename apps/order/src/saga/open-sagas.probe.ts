import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SagasInFlightProbe } from '@app/consistency';
import { countOpenOrders } from '../orders/orders.repository';

/** Orders not yet COMPLETED or CANCELLED: the order service's sagas in flight. */
@Injectable()
export class OpenSagasProbe implements SagasInFlightProbe {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  count(limit: number): Promise<number> {
    return countOpenOrders(this.dataSource, limit);
  }
}
