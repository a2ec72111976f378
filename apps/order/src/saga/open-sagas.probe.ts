import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SagasInFlightProbe } from '@app/consistency';

/** Orders not yet COMPLETED or CANCELLED: the order service's sagas in flight, read from their partial index. */
@Injectable()
export class OpenSagasProbe implements SagasInFlightProbe {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async count(limit: number): Promise<number> {
    // The predicate is orders_open_by_deadline's own, so only open orders are read, never the history.
    const [row] = await this.dataSource.query<Array<{ open: number }>>(
      `SELECT count(*)::int AS open FROM (
         SELECT 1 FROM orders WHERE status NOT IN ('COMPLETED', 'CANCELLED') LIMIT $1
       ) open_orders`,
      [limit],
    );
    return row.open;
  }
}
