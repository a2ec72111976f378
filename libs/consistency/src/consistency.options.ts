import { DataSourceOptions } from 'typeorm';
import { ServiceConfig } from './config/service-config';

export interface ConsistencyOptions {
  /** Validated before the Nest container exists, so a bad variable stops the process first. */
  config: ServiceConfig;
  database: {
    entities: NonNullable<DataSourceOptions['entities']>;
    migrations: NonNullable<DataSourceOptions['migrations']>;
  };
}
