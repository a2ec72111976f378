import { Type } from '@nestjs/common';
import { DataSourceOptions } from 'typeorm';
import type { SagasInFlightProbe } from '../admission/sagas-in-flight.probe';
import { ServiceConfig } from './service-config';
import { ServiceManifest } from './service-manifest';

export interface ConsistencyOptions {
  manifest: ServiceManifest;
  /** Validated before the Nest container exists, so a bad variable stops the process first. */
  config: ServiceConfig;
  /** The service's TypeORM entities, if it uses any. */
  entities?: NonNullable<DataSourceOptions['entities']>;
  /** Counts the service's sagas in flight, for admission control (a provider class; it may inject the DataSource). */
  sagasInFlight?: Type<SagasInFlightProbe>;
}
