import { Controller, INestApplication, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { payloadProblem } from '@app/contracts';
import type { ConsumedEvent, EventEnvelope } from '@app/contracts';
import { METRICS_REGISTRY, OnEvent, TransactionHost } from '@app/consistency';
import { connectConsumer, PassThroughRpcErrors, UpcasterRegistry } from '@app/consistency/tools';
import { createTestApp } from '../../scripts/harness/test-app';

class CreateEffects1764000000200 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE effects (key text NOT NULL, seq integer NOT NULL, event_id text NOT NULL)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE effects');
  }
}

/** Failures still to inject, by event id: the handler throws while the count is above zero. */
export const transientFailures = new Map<string, number>();

/**
 * Handlers whose effect is deliberately not idempotent (a plain INSERT), so only the inbox stands
 * between a redelivery and a doubled effect.
 */
@Controller()
@UseFilters(PassThroughRpcErrors)
class EffectsController {
  constructor(private readonly transactions: TransactionHost) {}

  private record(event: EventEnvelope | TestEvent): Promise<unknown> {
    const payload = event.payload as { key: string; seq: number };
    return this.transactions.manager.query('INSERT INTO effects (key, seq, event_id) VALUES ($1, $2, $3)', [
      payload.key,
      payload.seq,
      event.id,
    ]);
  }

  @EventPattern('widget.counted', { versions: [1] })
  async counted(@Payload() event: TestEvent): Promise<void> {
    const remaining = transientFailures.get(event.id) ?? 0;
    if (remaining > 0) {
      transientFailures.set(event.id, remaining - 1);
      await this.record(event);
      throw new Error(`transient failure, ${remaining - 1} left`);
    }
    await this.record(event);
  }

  @EventPattern('widget.versioned', { versions: [2] })
  async versioned(@Payload() event: TestEvent): Promise<void> {
    const payload = event.payload as { key: string; seq: number; unit?: string };
    if (payload.unit !== 'pieces') {
      throw new Error('a v2 payload has a unit');
    }
    await this.record(event);
  }

  @OnEvent('order.created')
  orderCreated(@Payload() event: EventEnvelope<'order.created'>): Promise<unknown> {
    return this.transactions.manager.query('INSERT INTO effects (key, seq, event_id) VALUES ($1, 0, $2)', [
      event.orderId,
      event.id,
    ]);
  }
}

export interface TestEvent {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  orderId: string;
  correlationId: string;
  causationId: string | null;
  payload: unknown;
}

/** An event for the test topic; `orderId` (also the Kafka key) keeps a key's events on one partition. */
export function testEvent(type: string, payload: unknown, version = 1, orderId: string = randomUUID()): TestEvent {
  const id = randomUUID();
  return {
    id,
    type,
    version,
    occurredAt: new Date().toISOString(),
    orderId,
    correlationId: id,
    causationId: null,
    payload,
  };
}

/** What the test consumer accepts on `topic`: the widget events, and order.created to test the saga's payload check. */
export function testEvents(topic: string): ReadonlyMap<string, ConsumedEvent> {
  const widget = (payload: unknown) =>
    typeof (payload as { key?: unknown } | null)?.key === 'string' ? undefined : 'payload.key must be a string';
  return new Map<string, ConsumedEvent>([
    ['widget.counted', { topic, version: 1, payloadProblem: widget }],
    ['widget.versioned', { topic, version: 2, payloadProblem: widget }],
    ['order.created', { topic, version: 1, payloadProblem: (payload) => payloadProblem('order.created', payload) }],
  ]);
}

/** v1 of widget.versioned had no unit; v2 requires one. */
export const testUpcasters: UpcasterRegistry = {
  'widget.versioned': { 1: (payload) => ({ ...(payload as object), unit: 'pieces' }) },
};

export interface ConsumerTestApp {
  app: INestApplication;
  dataSource: DataSource;
  effects(): Promise<Array<{ key: string; seq: number; event_id: string }>>;
  outcomes(): Promise<Record<string, number>>;
}

/** A Nest app consuming `topic` through ConsistentKafkaServer, wired as services wire it. */
export async function startConsumerApp(
  databaseUrl: string,
  kafkaBrokers: string[],
  topic: string,
  groupId: string,
  env: Record<string, string> = {},
): Promise<ConsumerTestApp> {
  const { app, dataSource } = await createTestApp(
    databaseUrl,
    kafkaBrokers,
    { CONSUMER_RETRY_BASE_MS: '50', CONSUMER_MAX_ATTEMPTS: '5', ...env },
    { migrations: [CreateEffects1764000000200], controllers: [EffectsController], consumes: [topic] },
  );
  const registry = app.get<Registry>(METRICS_REGISTRY);
  connectConsumer(app, { groupId, topics: [topic], upcasters: testUpcasters, events: testEvents(topic) });
  await app.init();
  await app.startAllMicroservices();
  return {
    app,
    dataSource,
    effects: () =>
      dataSource.query<Array<{ key: string; seq: number; event_id: string }>>(
        'SELECT key, seq, event_id FROM effects ORDER BY ctid',
      ),
    outcomes: async () => {
      const metric = await registry.getSingleMetricAsString('consumer_messages_total');
      const counts: Record<string, number> = {};
      for (const [, outcome, value] of metric.matchAll(/outcome="([^"]+)"[^}]*\} (\d+)/g)) {
        counts[outcome] = (counts[outcome] ?? 0) + Number(value);
      }
      return counts;
    },
  };
}
