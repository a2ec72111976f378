import { INestApplication, Module, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { ConsistencyModule, defineService, ServiceConfig, ServicePatterns } from '@app/consistency';
import { envPrefix, loadServiceConfig, MigrationClass, runMigrationsExclusively } from '@app/consistency/tools';
import { devAuthSecret } from '../auth/auth-headers';

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
  databaseUrl: string,
  kafkaBrokers: string[],
  env: NodeJS.ProcessEnv,
  parts: Pick<ModuleMetadata, 'controllers' | 'providers'> & {
    migrations: MigrationClass[];
    /** Topics the test app consumes (it then gets a consumer module). */
    consumes?: readonly string[];
    patterns?: ServicePatterns;
  },
): Promise<TestAppParts> {
  // A service of the tests' own, described as every service is.
  const manifest = defineService({
    name: 'widget',
    defaultPort: 0,
    consumes: parts.consumes ?? [],
    migrations: parts.migrations,
    patterns: parts.patterns ?? {},
  });
  const config = loadServiceConfig(manifest, {
    [`${envPrefix(manifest.name)}_DATABASE_URL`]: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_INTERVAL_MS: '200',
    AUTH_JWT_SECRET: devAuthSecret(),
    ...env,
  });

  @Module({
    imports: [ConsistencyModule.forRoot({ manifest, config })],
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
