import { INestApplication } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { Kafka } from 'kafkajs';
import { ConsumedEvent } from '@app/contracts';
import { Registry } from 'prom-client';
import { KAFKA, METRICS_REGISTRY } from '../platform/tokens';
import { FaultInjector } from '../faults/fault-points';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsistentKafkaServer } from './consistent-kafka.server';
import { CONSUMER_OPTIONS, ConsumerModuleOptions } from './consumer.module-definition';
import { ConsumerMetrics } from './consumer.metrics';
import { ConsumerState } from './consumer-state';
import { UpcasterRegistry } from './upcasting';
import { BatchLocks } from './batch-locks';

export interface ConsumerDefinition {
  groupId: string;
  topics: readonly string[];
  upcasters?: UpcasterRegistry;
  /** The events accepted, each with the topic that carries it; the saga's by default. */
  events?: ReadonlyMap<string, ConsumedEvent>;
}

/** Attaches a Kafka consumer (ConsistentKafkaServer) to a Nest app whose modules include ConsumerModule. */
export function connectConsumer(app: INestApplication, consumer: ConsumerDefinition): ConsistentKafkaServer {
  const options = app.get<ConsumerModuleOptions>(CONSUMER_OPTIONS);
  const strategy = new ConsistentKafkaServer({
    kafka: app.get<Kafka>(KAFKA),
    groupId: consumer.groupId,
    topics: consumer.topics,
    transactions: app.get(TransactionHost),
    outbox: app.get(OutboxService),
    options,
    state: app.get(ConsumerState),
    metrics: new ConsumerMetrics(app.get<Registry>(METRICS_REGISTRY), app.get(ConsumerState)),
    faults: app.get(FaultInjector),
    upcasters: consumer.upcasters ?? {},
    events: consumer.events,
    batchLocks: optional(app, BatchLocks),
    maxMessageBytes: options.maxMessageBytes,
  });
  app.connectMicroservice<MicroserviceOptions>({ strategy });
  return strategy;
}

/**
 * The app's provider for `token`, or undefined when it has none. Asked through ModuleRef: the app
 * itself ends the process when `get` finds nothing.
 */
function optional<T>(app: INestApplication, token: abstract new (...args: never[]) => T): T | undefined {
  try {
    return app.get(ModuleRef).get(token, { strict: false });
  } catch {
    return undefined;
  }
}
