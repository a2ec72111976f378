import { INestApplication, Module, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource, DataSourceOptions } from 'typeorm';
import {
  ConsistencyModule,
  envPrefix,
  loadServiceConfig,
  runMigrationsExclusively,
  ServiceConfig,
  ServiceName,
} from '@app/consistency';
import { devAuthSecret } from '../../scripts/auth/auth-headers';

export interface TestAppParts {
  app: INestApplication;
  config: ServiceConfig;
  dataSource: DataSource;
}

/**
 * A Nest app wired with ConsistencyModule as a service wires it, on a test database, migrated and
 * not yet initialised (so callers can attach a consumer first).
 */
export async function createTestApp(
  service: ServiceName,
  databaseUrl: string,
  kafkaBrokers: string[],
  env: NodeJS.ProcessEnv,
  parts: Pick<ModuleMetadata, 'controllers' | 'providers'> & {
    migrations: NonNullable<DataSourceOptions['migrations']>;
  },
): Promise<TestAppParts> {
  const config = loadServiceConfig(service, {
    [`${envPrefix(service)}_DATABASE_URL`]: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_INTERVAL_MS: '200',
    AUTH_JWT_SECRET: devAuthSecret(),
    ...env,
  });

  @Module({
    imports: [ConsistencyModule.forRoot({ config, database: { entities: [], migrations: parts.migrations } })],
    controllers: parts.controllers,
    providers: parts.providers,
  })
  class TestAppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestAppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  const dataSource = app.get(DataSource);
  await runMigrationsExclusively(dataSource.options);
  return { app, config, dataSource };
}
