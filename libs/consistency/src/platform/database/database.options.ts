import { positiveInt, validateEnv } from '../config/validate-env';

/** Bounds on every wait a service can have on PostgreSQL, so nothing hangs on a lock or a pool. */
export interface DatabaseOptions {
  /** Connections in the service's pool. */
  poolSize: number;
  /** Longest wait for a pool connection (including connecting) before the caller gets an error. */
  poolWaitTimeoutMs: number;
  /** Longest a statement may run. */
  statementTimeoutMs: number;
  /** Longest a statement waits for a row or table lock (a psql session holding `FOR UPDATE`). */
  lockTimeoutMs: number;
  /** A transaction left idle this long is ended by the server, releasing its locks. */
  idleInTransactionTimeoutMs: number;
}

export function loadDatabaseOptions(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  const clean = validateEnv(
    {
      DB_POOL_SIZE: positiveInt({ default: 10, desc: 'connections in the pool' }),
      DB_POOL_WAIT_TIMEOUT_MS: positiveInt({ default: 5000, desc: 'longest wait for a pool connection' }),
      DB_STATEMENT_TIMEOUT_MS: positiveInt({ default: 15_000, desc: 'statement_timeout of every connection' }),
      DB_LOCK_TIMEOUT_MS: positiveInt({ default: 5000, desc: 'lock_timeout of every connection' }),
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt({
        default: 60_000,
        desc: 'idle_in_transaction_session_timeout of every connection',
      }),
    },
    env,
  );
  return {
    poolSize: clean.DB_POOL_SIZE,
    poolWaitTimeoutMs: clean.DB_POOL_WAIT_TIMEOUT_MS,
    statementTimeoutMs: clean.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: clean.DB_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: clean.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}
