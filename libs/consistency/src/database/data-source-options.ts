import { DataSourceOptions } from 'typeorm';

export interface ServiceDataSourceInput {
  databaseUrl: string;
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
  /** Shown in pg_stat_activity, so `pg_terminate_backend` can pick one service's connections. */
  applicationName: string;
  poolSize?: number;
}

/** PostgreSQL options shared by every service: migrations only, never `synchronize`. */
export function serviceDataSourceOptions(input: ServiceDataSourceInput): DataSourceOptions {
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
    poolSize: input.poolSize ?? 10,
  };
}
