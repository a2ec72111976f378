import { Type } from '@nestjs/common';
import { DataSourceOptions } from 'typeorm';
import type { SagasInFlightProbe } from './admission/sagas-in-flight.probe';
import { ServiceConfig } from './config/service-config';

export interface ConsistencyOptions {
  /** Validated before the Nest container exists, so a bad variable stops the process first. */
  config: ServiceConfig;
  database: {
    entities: NonNullable<DataSourceOptions['entities']>;
    migrations: NonNullable<DataSourceOptions['migrations']>;
  };
  /** Backlog only the service can count, for admission control; outbox age and consumer lag come built in. */
  admission?: {
    /** A provider class (it may inject the DataSource) counting the service's sagas in flight. */
    sagasInFlight?: Type<SagasInFlightProbe>;
  };
}
