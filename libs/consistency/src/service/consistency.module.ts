import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AdmissionModule } from '../admission/admission.module';
import { AuthModule } from '../auth/auth.module';
import { BarrierModule } from '../barrier/barrier.module';
import { ConsumerModule } from '../consumer/consumer.module';
import { FaultsModule } from '../faults/faults.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { LockModule } from '../lock/lock.module';
import { OutboxModule } from '../outbox/outbox.module';
import { PlatformModule } from '../platform/platform.module';
import { TransactionModule } from '../transaction/transaction.module';
import { ConsistencyOptions } from './consistency.options';
import { EventLoopMonitor } from './health/event-loop.monitor';
import { HealthController } from './health/health.controller';
import { HEALTH_OPTIONS, HealthOptions } from './health/health.options';
import { KafkaHealthIndicator } from './health/kafka.health';
import { Readiness } from './health/readiness';
import { ServiceLifecycle } from './health/service-lifecycle';
import { MetricsController } from './metrics.controller';
import { migrationsOf } from './migrations';
import { ServiceMetrics } from './service.metrics';
import { faultPointsOf } from './service-config';

/**
 * A service's one call into the library: the platform (logs, its database, Kafka, metrics),
 * transactions, the outbox and its relay, authentication and fault points, then only the patterns
 * its manifest declares — a consumer if it consumes, Idempotency-Key, the lock, the saga barrier,
 * admission control — each module given its own options; `/health` and `/metrics` on top.
 */
@Module({})
export class ConsistencyModule {
  static forRoot({ manifest, config, entities = [], sagasInFlight }: ConsistencyOptions): DynamicModule {
    const { patterns } = manifest;
    const modules = [
      TransactionModule,
      FaultsModule.forRoot({ ...config.faults, points: faultPointsOf(manifest) }),
      AuthModule.forRoot({ ...config.auth, realm: config.service }),
      OutboxModule.forRoot(config.outbox),
      ...(manifest.consumes.length > 0
        ? [ConsumerModule.forRoot({ ...config.consumer, maxMessageBytes: config.outbox.maxMessageBytes })]
        : []),
      ...(patterns.idempotency ? [IdempotencyModule.forRoot(config.idempotency)] : []),
      ...(patterns.lock ? [LockModule.forRoot(config.lock)] : []),
      ...(patterns.barrier ? [BarrierModule] : []),
      ...(patterns.admission
        ? [AdmissionModule.forRoot({ ...config.admission, service: config.service, sagasInFlight })]
        : []),
    ];
    const health: HealthOptions = {
      relayEnabled: config.outbox.relayEnabled,
      restartWindowMs: config.consumer.restartWindowMs,
      eventLoopMaxDelayMs: config.lifecycle.eventLoopMaxDelayMs,
    };
    return {
      module: ConsistencyModule,
      global: true,
      imports: [
        PlatformModule.forRoot({
          service: config.service,
          logLevel: config.logLevel,
          logFormat: config.logFormat,
          databaseUrl: config.databaseUrl,
          database: config.database,
          entities,
          migrations: migrationsOf(manifest),
          kafkaBrokers: config.kafkaBrokers,
        }),
        TerminusModule,
        ...modules,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: HEALTH_OPTIONS, useValue: health },
        KafkaHealthIndicator,
        ServiceLifecycle,
        Readiness,
        ServiceMetrics,
        EventLoopMonitor,
      ],
      exports: [ServiceLifecycle, ...modules],
    };
  }
}
