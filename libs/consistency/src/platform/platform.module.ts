import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DataSourceOptions } from 'typeorm';
import { DatabaseOptions } from './database/database.options';
import { serviceDataSourceOptions } from './database/data-source-options';
import { createKafka } from './kafka/create-kafka';
import { LogFormat, loggerParams } from './logging/log-options';
import { KAFKA, METRICS_REGISTRY } from './tokens';

export interface PlatformOptions {
  /** Names the process in logs, metrics, Kafka and `pg_stat_activity`. */
  service: string;
  logLevel: string;
  logFormat: LogFormat;
  databaseUrl: string;
  database: DatabaseOptions;
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
  kafkaBrokers: string[];
}

/**
 * What every pattern stands on, for the whole app: structured logs, the service's own database
 * (migrations only, every wait bounded), its Kafka client and its Prometheus registry.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [
        LoggerModule.forRoot(
          loggerParams({ service: options.service, level: options.logLevel, format: options.logFormat }),
        ),
        TypeOrmModule.forRoot(
          serviceDataSourceOptions({
            databaseUrl: options.databaseUrl,
            applicationName: `${options.service}-service`,
            entities: options.entities,
            migrations: options.migrations,
            limits: options.database,
          }),
        ),
      ],
      providers: [
        { provide: KAFKA, useFactory: () => createKafka({ clientId: options.service, brokers: options.kafkaBrokers }) },
        {
          provide: METRICS_REGISTRY,
          useFactory: () => {
            const registry = new Registry();
            registry.setDefaultLabels({ service: options.service });
            collectDefaultMetrics({ register: registry });
            return registry;
          },
        },
      ],
      exports: [KAFKA, METRICS_REGISTRY],
    };
  }
}
