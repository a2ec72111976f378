import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../transaction/transaction-host';
import { prepared } from '../platform/database/prepared';

/** What a forward step should do: run, or skip because it already ran or was compensated first. */
export type ForwardDecision = 'run' | 'duplicate' | 'hanging';

/** What a compensation should do: undo, skip a repeat, or record that there was nothing to undo. */
export type CompensationDecision = 'run' | 'duplicate' | 'null-compensation';

/**
 * Guards a forward/compensation pair inside the handler's transaction, so redelivery and
 * reordering cannot double an effect or leave one behind. The primary key serialises a forward
 * and a compensation racing in two transactions: the second waits for the first to commit.
 */
@Injectable()
export class SagaBarrier {
  constructor(private readonly transactions: TransactionHost) {}

  async forward(sagaId: string, step: string): Promise<ForwardDecision> {
    if (await this.insert(sagaId, step, 'forward', 'forward')) {
      return 'run';
    }
    const {
      rows: [row],
    } = await prepared<{ origin: string }>(
      this.transactions.manager,
      `SELECT origin FROM saga_barrier WHERE saga_id = $1 AND step = $2 AND operation = 'forward'`,
      [sagaId, step],
    );
    return row?.origin === 'compensate' ? 'hanging' : 'duplicate';
  }

  async compensate(sagaId: string, step: string): Promise<CompensationDecision> {
    if (!(await this.insert(sagaId, step, 'compensate', 'compensate'))) {
      return 'duplicate';
    }
    // Taking the forward slot first means the forward step never ran, and now never will.
    return (await this.insert(sagaId, step, 'forward', 'compensate')) ? 'null-compensation' : 'run';
  }

  private async insert(sagaId: string, step: string, operation: string, origin: string): Promise<boolean> {
    const { rowCount } = await prepared(
      this.transactions.manager,
      `INSERT INTO saga_barrier (saga_id, step, operation, origin) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING saga_id`,
      [sagaId, step, operation, origin],
    );
    return rowCount === 1;
  }
}
