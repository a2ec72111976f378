import { DynamicModule, INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { ConfigurationError } from '../config/configuration-error';
import { loadInfraEnv } from '../config/infra-env';
import { loadServiceConfig, ServiceConfig, ServiceName } from '../config/service-config';
import { runMigrationsExclusively } from '../database/run-migrations';
import { configureHttp } from '../http/configure-http';
import { connectConsumer } from '../messaging/connect-consumer';
import { UpcasterRegistry } from '../messaging/upcasting';

export interface ServiceDefinition {
  service: ServiceName;
  /** Builds the service's root module from validated configuration. */
  module: (config: ServiceConfig) => DynamicModule;
  /** Topics the service consumes; a Kafka consumer group is attached only when there are some. */
  consumes: readonly string[];
  /** Upcasters for older versions of the events it consumes. */
  upcasters?: UpcasterRegistry;
}

/** Consumer group of a service: one group per service, shared by all its instances. */
export function consumerGroupId(service: ServiceName): string {
  return `${service}-service`;
}

/**
 * Starts one hybrid (HTTP + Kafka) service: validated config, migrations under an advisory lock,
 * structured logs, graceful shutdown on SIGTERM/SIGINT.
 */
export async function startService(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<INestApplication> {
  loadInfraEnv(env);
  const config = loadServiceConfig(definition.service, env);
  const app = await NestFactory.create<NestExpressApplication>(definition.module(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  configureHttp(app, config.http);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  closeOnSignals(app);

  await runMigrationsExclusively(app.get(DataSource).options);

  if (definition.consumes.length > 0) {
    connectConsumer(app, config, {
      groupId: consumerGroupId(config.service),
      topics: definition.consumes,
      upcasters: definition.upcasters,
    });
    await app.startAllMicroservices();
  }
  if (config.docs) {
    const openApi = new DocumentBuilder()
      .setTitle(`${config.service} service`)
      .setDescription('Part of the NestJS consistency suite; see the README for the saga and its events.')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
  }

  await app.listen(config.port, config.host);
  app.get(Logger).log(`${config.service} listening on ${config.host}:${config.port}`, 'Bootstrap');
  return app;
}

const SHUTDOWN_DEADLINE_MS = 15_000;

/**
 * SIGTERM/SIGINT close the app (HTTP server, consumers, relay, pools) and exit 0; Nest's own
 * shutdown hooks would re-raise the signal, which supervisors report as a crash.
 */
function closeOnSignals(app: INestApplication): void {
  let closing = false;
  // Ctrl-C in a terminal signals the whole process group, and a supervisor may follow with SIGTERM.
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      return;
    }
    closing = true;
    app.get(Logger).log(`received ${signal}, shutting down`, 'Bootstrap');
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** The `main.ts` of every service: start, or print why not and exit non-zero. */
export function runService(definition: ServiceDefinition): void {
  startService(definition).catch((error: unknown) => {
    const message =
      error instanceof ConfigurationError
        ? error.message
        : `Failed to start ${definition.service}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
