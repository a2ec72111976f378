import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../config/service-config';
import { KAFKA, METRICS_REGISTRY, SERVICE_CONFIG } from '../consistency.tokens';
import { FaultInjector } from '../faults/fault-points';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxNotifier } from './outbox.notifier';
import { OutboxRelay } from './outbox.relay';
import { OutboxSignal } from './outbox-signal';
import { OutboxStore } from './outbox.store';
import { OUTBOX_SIGNAL } from './outbox.tokens';

/** Runs the service's relay from application start to shutdown (when OUTBOX_RELAY_ENABLED). */
@Injectable()
export class OutboxRelayHost implements OnApplicationBootstrap, OnModuleDestroy {
  readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(OUTBOX_SIGNAL) signal: OutboxSignal,
    faults: FaultInjector,
  ) {
    const store = new OutboxStore(dataSource);
    this.relay = new OutboxRelay(
      kafka,
      store,
      new OutboxNotifier(dataSource, config.databaseUrl),
      signal,
      new OutboxMetrics(registry, store),
      config.outbox,
      faults,
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.outbox.relayEnabled) {
      this.relay.start();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }
}
