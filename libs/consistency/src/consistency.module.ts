import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AdmissionGuard } from './admission/admission.guard';
import { AdmissionMetrics } from './admission/admission.metrics';
import { BacklogSampler } from './admission/backlog.sampler';
import { SAGAS_IN_FLIGHT_PROBE, SagasInFlightProbe } from './admission/sagas-in-flight.probe';
import { AuthGuard } from './auth/auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { ConsistencyOptions } from './consistency.options';
import { CONSISTENCY_OPTIONS, KAFKA, METRICS_REGISTRY, SERVICE_CONFIG } from './consistency.tokens';
import { serviceDataSourceOptions } from './database/data-source-options';
import { HealthController } from './health/health.controller';
import { EventLoopMonitor } from './health/event-loop.monitor';
import { KafkaHealthIndicator } from './health/kafka.health';
import { ServiceLifecycle } from './health/service-lifecycle';
import { createKafka } from './kafka/create-kafka';
import { FaultInjector } from './faults/fault-points';
import { FaultsController } from './faults/faults.controller';
import { IdempotencyKeyJanitor } from './idempotency/idempotency-key.janitor';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { ConsumerState } from './messaging/consumer-state';
import { currentMessage } from './messaging/message-context';
import { SagaBarrier } from './barrier/saga-barrier';
import { DistributedLock } from './lock/distributed-lock';
import { MetricsController } from './metrics/metrics.controller';
import { consistencyMigrations } from './migrations';
import { OutboxRelayHost } from './outbox/outbox-relay.host';
import { OutboxService } from './outbox/outbox.service';
import { OutboxSignal } from './outbox/outbox-signal';
import { OutboxStore } from './outbox/outbox.store';
import { OUTBOX_OPTIONS, OUTBOX_SIGNAL } from './outbox/outbox.tokens';
import { OutboxInterceptor } from './transaction/transaction.interceptor';
import { TransactionHost } from './transaction/transaction-host';

function infrastructure(options: ConsistencyOptions): Provider[] {
  const { config } = options;
  return [
    { provide: CONSISTENCY_OPTIONS, useValue: options },
    { provide: ConsumerState, useValue: new ConsumerState() },
    { provide: FaultInjector, useValue: new FaultInjector(config.faults.enabled, config.faults.armed) },
    { provide: SERVICE_CONFIG, useValue: config },
    {
      provide: KAFKA,
      useFactory: () => createKafka({ clientId: config.service, brokers: config.kafkaBrokers }),
    },
    {
      provide: METRICS_REGISTRY,
      useFactory: () => {
        const registry = new Registry();
        registry.setDefaultLabels({ service: config.service });
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
  ];
}

const health: Provider[] = [KafkaHealthIndicator, ServiceLifecycle, EventLoopMonitor];

/** Every HTTP route needs a bearer token unless it is `@Public()`. */
function authentication(options: ConsistencyOptions): Provider[] {
  return [
    { provide: TokenVerifier, useValue: new TokenVerifier(options.config.auth) },
    { provide: APP_GUARD, useClass: AuthGuard },
  ];
}

/** What services inject: the building blocks of consistent handlers. */
const patterns = [
  TransactionHost,
  OutboxInterceptor,
  OutboxService,
  OutboxRelayHost,
  IdempotencyInterceptor,
  IdempotencyKeyJanitor,
  DistributedLock,
  SagaBarrier,
];

function outbox(options: ConsistencyOptions): Provider[] {
  return [
    { provide: OUTBOX_OPTIONS, useValue: options.config.outbox },
    { provide: OUTBOX_SIGNAL, useValue: new OutboxSignal() },
    ...patterns,
  ];
}

/** The service's backlog, read in the background, and the guard that sheds new work past its bounds. */
function admission(options: ConsistencyOptions): Provider[] {
  const probe = options.admission?.sagasInFlight;
  return [
    ...(probe ? [{ provide: SAGAS_IN_FLIGHT_PROBE, useClass: probe }] : []),
    {
      provide: BacklogSampler,
      inject: [getDataSourceToken(), ConsumerState, { token: SAGAS_IN_FLIGHT_PROBE, optional: true }],
      useFactory: (dataSource: DataSource, consumer: ConsumerState, sagas?: SagasInFlightProbe) => {
        const outbox = new OutboxStore(dataSource);
        return new BacklogSampler(
          {
            outboxAgeMs: () => outbox.oldestSendableAgeMs(),
            sagasInFlight: sagas && ((limit) => sagas.count(limit)),
            consumerLag: () => consumer.lag,
          },
          options.config.admission,
        );
      },
    },
    {
      provide: AdmissionMetrics,
      inject: [METRICS_REGISTRY, BacklogSampler],
      useFactory: (registry: Registry, sampler: BacklogSampler) => new AdmissionMetrics(registry, sampler),
    },
    AdmissionGuard,
  ];
}

/**
 * The library's single entry point for a service: its database connection (with the library's own
 * migrations), structured logs, Kafka connection, transactions, the outbox and its relay, the
 * Idempotency-Key interceptor, bearer-token authentication of every HTTP route, admission control,
 * the saga barrier, the guarded lock, `/health` and `/metrics`.
 */
@Module({})
export class ConsistencyModule {
  static forRoot(options: ConsistencyOptions): DynamicModule {
    const { config, database } = options;
    return {
      module: ConsistencyModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            base: { service: config.service },
            // Every line logged while handling an event carries its order and trace.
            mixin: () => {
              const message = currentMessage();
              return message
                ? {
                    orderId: message.envelope.orderId,
                    correlationId: message.envelope.correlationId,
                    eventId: message.envelope.id,
                    traceparent: message.traceparent,
                  }
                : {};
            },
            // Credentials never reach the logs, whatever the log level.
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
              censor: '[redacted]',
            },
            autoLogging: {
              ignore: (request) => request.url?.startsWith('/health') === true || request.url === '/metrics',
            },
          },
        }),
        TypeOrmModule.forRoot(
          serviceDataSourceOptions({
            databaseUrl: config.databaseUrl,
            applicationName: `${config.service}-service`,
            entities: database.entities,
            migrations: [...consistencyMigrations, ...asArray(database.migrations)],
            limits: config.database,
          }),
        ),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController, ...(config.faults.enabled ? [FaultsController] : [])],
      providers: [
        ...infrastructure(options),
        ...authentication(options),
        ...health,
        ...outbox(options),
        ...admission(options),
      ],
      exports: [
        CONSISTENCY_OPTIONS,
        SERVICE_CONFIG,
        KAFKA,
        METRICS_REGISTRY,
        ConsumerState,
        ServiceLifecycle,
        FaultInjector,
        TokenVerifier,
        BacklogSampler,
        AdmissionMetrics,
        AdmissionGuard,
        ...patterns,
      ],
    };
  }
}

function asArray<T>(value: T[] | Record<string, T>): T[] {
  return Array.isArray(value) ? value : Object.values(value);
}
