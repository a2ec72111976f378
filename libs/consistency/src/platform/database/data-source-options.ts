import { DataSourceOptions } from 'typeorm';
import { DatabaseOptions } from './database.options';

export interface ServiceDataSourceInput {
  databaseUrl: string;
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
  /** Shown in pg_stat_activity, so `pg_terminate_backend` can pick one service's connections. */
  applicationName: string;
  limits: DatabaseOptions;
}

/** PostgreSQL options shared by every service: migrations only, never `synchronize`; every wait bounded. */
export function serviceDataSourceOptions(input: ServiceDataSourceInput): DataSourceOptions {
  const { limits } = input;
  return {
    type: 'postgres',
    url: input.databaseUrl,
    applicationName: input.applicationName,
    entities: input.entities,
    migrations: input.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    poolSize: limits.poolSize,
    // node-postgres sends these as session settings when it connects.
    extra: {
      connectionTimeoutMillis: limits.poolWaitTimeoutMs,
      statement_timeout: limits.statementTimeoutMs,
      lock_timeout: limits.lockTimeoutMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    },
  };
}
