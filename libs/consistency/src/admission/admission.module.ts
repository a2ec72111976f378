import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { ConsumerState } from '../consumer/consumer-state';
import { OutboxStore } from '../outbox/outbox.store';
import { METRICS_REGISTRY } from '../platform/tokens';
import { AdmissionGuard } from './admission.guard';
import { AdmissionMetrics } from './admission.metrics';
import { ADMISSION_OPTIONS, AdmissionModuleOptions, ConfigurableAdmissionModule } from './admission.module-definition';
import { BacklogSampler } from './backlog.sampler';
import { SAGAS_IN_FLIGHT_PROBE, SagasInFlightProbe } from './sagas-in-flight.probe';

/**
 * The service's backlog, read in the background, and the guard `@AdmissionControlled()` routes use
 * to shed new work past its bounds; `forRoot(AdmissionModuleOptions)`. The outbox age is built in,
 * the consumer lag when the service consumes, the sagas in flight from the service's own probe.
 */
@Module({
  providers: [
    {
      provide: BacklogSampler,
      inject: [
        ADMISSION_OPTIONS,
        getDataSourceToken(),
        { token: ConsumerState, optional: true },
        { token: SAGAS_IN_FLIGHT_PROBE, optional: true },
      ],
      useFactory: (
        options: AdmissionModuleOptions,
        dataSource: DataSource,
        consumer?: ConsumerState,
        sagas?: SagasInFlightProbe,
      ) => {
        const outbox = new OutboxStore(dataSource);
        return new BacklogSampler(
          {
            outboxAgeMs: () => outbox.oldestSendableAgeMs(),
            sagasInFlight: sagas && ((limit) => sagas.count(limit)),
            consumerLag: () => consumer?.lag ?? 0,
          },
          options,
        );
      },
    },
    {
      provide: AdmissionMetrics,
      inject: [METRICS_REGISTRY, BacklogSampler],
      useFactory: (registry: Registry, sampler: BacklogSampler) => new AdmissionMetrics(registry, sampler),
    },
    AdmissionGuard,
  ],
  // Guards are built in the module of the route they guard: what they inject must be exported.
  exports: [BacklogSampler, AdmissionMetrics, AdmissionGuard, ADMISSION_OPTIONS],
})
export class AdmissionModule extends ConfigurableAdmissionModule {}
