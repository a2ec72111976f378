import { EntityManager } from 'typeorm';
import { TransactionHost } from './transaction-host';

/**
 * Rows a transaction collects as it goes and writes together just before it commits — one
 * multi-row statement instead of one per row — or as soon as something in the transaction has to
 * read them (`flush`). A transaction that rolls back writes nothing.
 */
export class TransactionBuffer<T> {
  private readonly pending = new WeakMap<EntityManager, T[]>();
  private readonly flushBeforeCommit = () => this.flush();

  constructor(
    private readonly transactions: TransactionHost,
    private readonly write: (rows: T[]) => Promise<void>,
  ) {}

  add(row: T): void {
    const manager = this.transactions.manager;
    const rows = this.pending.get(manager);
    if (rows) {
      rows.push(row);
      return;
    }
    this.pending.set(manager, [row]);
    this.transactions.beforeCommit(this.flushBeforeCommit);
  }

  /** Writes what the current transaction collected so far. */
  async flush(): Promise<void> {
    const manager = this.transactions.manager;
    const rows = this.pending.get(manager) ?? [];
    this.pending.delete(manager);
    if (rows.length > 0) {
      await this.write(rows);
    }
  }
}
