import { DynamicModule, INestApplication, ValidationPipe } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { ConfigurationError } from '../platform/config/configuration-error';
import { loadInfraEnv } from '../platform/config/infra-env';
import { loadServiceConfig, ServiceConfig } from './service-config';
import { consumerGroupId, ServiceManifest } from './service-manifest';
import { runMigrationsExclusively } from '../platform/database/run-migrations';
import { configureHttp } from '../http/configure-http';
import { startTracing, stopTracing } from '../platform/tracing';
import { LifecycleOptions } from './health/lifecycle.options';
import { ServiceLifecycle } from './health/service-lifecycle';
import { ConsistentKafkaServer } from '../consumer/consistent-kafka.server';
import { connectConsumer } from '../consumer/connect-consumer';
import { OutboxRelayHost } from '../outbox/outbox-relay.host';
import { UpcasterRegistry } from '../consumer/upcasting';

export interface ServiceDefinition {
  manifest: ServiceManifest;
  /** Builds the service's root module from validated configuration. */
  module: (config: ServiceConfig) => DynamicModule;
  /** Upcasters for older versions of the events it consumes. */
  upcasters?: UpcasterRegistry;
}

/**
 * Starts one hybrid (HTTP + Kafka) service in the order availability needs: validated config, the
 * database and its migrations (under an advisory lock), HTTP listening — and only then, in the
 * background, the relay's producers and the consumer, which connect with backoff for as long as the
 * broker takes. Accepting a write never waits for Kafka or a group join: it goes to the outbox.
 */
export async function startService(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<INestApplication> {
  loadInfraEnv(env);
  const { manifest } = definition;
  const config = loadServiceConfig(manifest, env);
  startTracing(manifest.name, env);
  const app = await NestFactory.create<NestExpressApplication>(definition.module(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  configureHttp(app, config.http);
  const lifecycle = app.get(ServiceLifecycle);
  // While draining, every answer ends its connection, so no client reuses one the server is about to close.
  app.use((_request: Request, response: Response, next: NextFunction) => {
    if (lifecycle.draining) {
      response.setHeader('Connection', 'close');
    }
    next();
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));

  await runMigrationsExclusively(app.get(DataSource).options);
  lifecycle.markMigrated();

  const consumer =
    manifest.consumes.length > 0
      ? connectConsumer(app, {
          groupId: consumerGroupId(manifest.name),
          topics: manifest.consumes,
          upcasters: definition.upcasters,
        })
      : undefined;
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
  await app.startAllMicroservices();
  closeOnSignals(app, consumer, config.lifecycle);
  app.get(Logger).log(`${config.service} listening on ${config.host}:${config.port}`, 'Bootstrap');
  return app;
}

/**
 * SIGTERM/SIGINT shut down in the order that loses nothing, within a deadline: readiness fails
 * first (load balancers stop routing), the server stops taking connections and finishes the
 * requests in flight, the consumer finishes its batch, commits its offsets and leaves its group (a
 * rebalance hands its partitions over at once), the relay publishes what the last requests
 * committed, then pools close. Exit 0; 1 past the deadline. Nest's own signal hooks would close
 * in another order and re-raise the signal, which supervisors report as a crash.
 */
function closeOnSignals(
  app: INestApplication,
  consumer: ConsistentKafkaServer | undefined,
  { readinessDelayMs, shutdownDeadlineMs }: LifecycleOptions,
): void {
  let closing = false;
  // Ctrl-C in a terminal signals the whole process group, and a supervisor may follow with SIGTERM.
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) {
      return;
    }
    closing = true;
    const logger = app.get(Logger);
    const deadline = Date.now() + shutdownDeadlineMs;
    setTimeout(() => {
      logger.error(`shutdown took longer than ${shutdownDeadlineMs} ms; exiting`, 'Bootstrap');
      process.exit(1);
    }, shutdownDeadlineMs).unref();
    logger.log(`received ${signal}, shutting down`, 'Bootstrap');
    try {
      app.get(ServiceLifecycle).markDraining();
      await new Promise((resolve) => setTimeout(resolve, readinessDelayMs));
      await closeHttpServer(app.getHttpServer() as Server);
      await consumer?.close();
      await app.get(OutboxRelayHost).relay.stop({ flushForMs: Math.max(0, (deadline - Date.now()) / 2) });
      await app.close();
      await stopTracing();
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 'Bootstrap');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

/** Stops taking connections, lets requests in flight finish, and closes idle keep-alive connections. */
function closeHttpServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeIdleConnections();
  return closed;
}

/** The `main.ts` of every service: start, or print why not and exit non-zero. */
export function runService(definition: ServiceDefinition): void {
  startService(definition).catch((error: unknown) => {
    const message =
      error instanceof ConfigurationError
        ? error.message
        : `Failed to start ${definition.manifest.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
