import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { KAFKA, METRICS_REGISTRY } from '../platform/tokens';
import { FaultInjector } from '../faults/fault-points';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxNotifier } from './outbox.notifier';
import { OutboxRelay } from './outbox.relay';
import { OutboxSignal } from './outbox-signal';
import { OutboxStore } from './outbox.store';
import { OUTBOX_OPTIONS } from './outbox.module-definition';
import type { OutboxOptions } from './outbox.options';
import { OUTBOX_SIGNAL } from './outbox.tokens';

/** Runs the service's relay from application start to shutdown (when OUTBOX_RELAY_ENABLED). */
@Injectable()
export class OutboxRelayHost implements OnApplicationBootstrap, OnModuleDestroy {
  readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxOptions,
    @Inject(OUTBOX_SIGNAL) signal: OutboxSignal,
    faults: FaultInjector,
  ) {
    const store = new OutboxStore(dataSource, options.retentionHours === 0);
    this.relay = new OutboxRelay(
      kafka,
      store,
      // LISTEN needs a connection of its own, outside the pool.
      new OutboxNotifier(dataSource, String((dataSource.options as PostgresConnectionOptions).url)),
      signal,
      new OutboxMetrics(registry, store),
      options,
      faults,
    );
  }

  onApplicationBootstrap(): void {
    if (this.options.relayEnabled) {
      this.relay.start();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }
}
