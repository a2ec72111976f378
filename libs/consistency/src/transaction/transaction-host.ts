import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { QueryResult, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { prepared } from '../platform/database/prepared';

interface TransactionScope {
  manager: EntityManager;
  beforeCommit: Array<() => Promise<void>>;
  afterCommit: Array<() => void>;
}

export class NoTransactionError extends Error {
  override readonly name = 'NoTransactionError';
  constructor() {
    super('no transaction is active: wrap the call in @Transactional() or TransactionHost.run()');
  }
}

let processHost: TransactionHost | undefined;

/**
 * Runs work in one database transaction whose EntityManager is found implicitly
 * (AsyncLocalStorage), so business code, the outbox and the inbox share a commit.
 */
@Injectable()
export class TransactionHost implements OnModuleInit, OnModuleDestroy {
  private readonly storage = new AsyncLocalStorage<TransactionScope>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    registerProcessHost(this);
  }

  onModuleDestroy(): void {
    unregisterProcessHost(this);
  }

  /** Whether the caller runs inside a transaction started by `run`. */
  get active(): boolean {
    return this.storage.getStore() !== undefined;
  }

  /** The current transaction's EntityManager; throws outside one so nothing escapes the commit. */
  get manager(): EntityManager {
    const scope = this.storage.getStore();
    if (!scope) {
      throw new NoTransactionError();
    }
    return scope.manager;
  }

  /**
   * Runs a statement in the current transaction as a named prepared statement: PostgreSQL parses
   * and plans it once per connection. For the statements a service runs for every event.
   */
  prepared<R extends QueryResultRow = QueryResultRow>(text: string, values: unknown[]): Promise<QueryResult<R>> {
    return prepared<R>(this.manager, text, values);
  }

  /** Runs `work` in a transaction, joining the caller's when there is one. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active) {
      return work();
    }
    const afterCommit: Array<() => void> = [];
    const result = await this.dataSource.transaction((manager) => {
      const scope: TransactionScope = { manager, beforeCommit: [], afterCommit };
      return this.storage.run(scope, async () => {
        const value = await work();
        for (const callback of scope.beforeCommit) {
          await callback();
        }
        return value;
      });
    });
    for (const callback of afterCommit) {
      callback();
    }
    return result;
  }

  /**
   * Registers `callback` to run in the current transaction once its work is done, just before the
   * commit: writes buffered during the transaction go out there in one statement. Registering the
   * same callback twice runs it once.
   */
  beforeCommit(callback: () => Promise<void>): void {
    const scope = this.storage.getStore();
    if (!scope) {
      throw new NoTransactionError();
    }
    if (!scope.beforeCommit.includes(callback)) {
      scope.beforeCommit.push(callback);
    }
  }

  /** Registers `callback` to run once the current transaction has committed (never on rollback). */
  afterCommit(callback: () => void): void {
    const scope = this.storage.getStore();
    if (!scope) {
      throw new NoTransactionError();
    }
    if (!scope.afterCommit.includes(callback)) {
      scope.afterCommit.push(callback);
    }
  }
}

/** The first host initialised wins: one service database per process. */
function registerProcessHost(host: TransactionHost): void {
  processHost ??= host;
}

function unregisterProcessHost(host: TransactionHost): void {
  if (processHost === host) {
    processHost = undefined;
  }
}

/** The process's TransactionHost, for code outside Nest's injector (the `@Transactional()` decorator). */
export function transactionHost(): TransactionHost {
  if (!processHost) {
    throw new Error('ConsistencyModule is not initialised: no TransactionHost in this process');
  }
  return processHost;
}
