import { INestApplication, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { OutboxService, TransactionHost, Transactional } from '@app/consistency';
import { OutboxRelayHost } from '@app/consistency/tools';
import { createTestApp } from './test-app';

class CreateWidgets1764000000100 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE IF NOT EXISTS widgets (id uuid PRIMARY KEY, key text NOT NULL, seq integer NOT NULL)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE widgets');
  }
}

/** A stand-in business service: one state change and one event per call, in one transaction. */
@Injectable()
export class WidgetService {
  constructor(
    private readonly transactions: TransactionHost,
    readonly outboxService: OutboxService,
  ) {}

  /** Creates a widget and enqueues its event; `failAfterEnqueue` throws before commit. */
  create(
    topic: string,
    key: string,
    seq: number,
    { failAfterEnqueue = false, payloadBytes = 0 } = {},
  ): Promise<string> {
    return this.transactions.run(async () => {
      const id = randomUUID();
      await this.transactions.manager.query('INSERT INTO widgets (id, key, seq) VALUES ($1, $2, $3)', [id, key, seq]);
      await this.enqueue(topic, key, seq, id, payloadBytes);
      if (failAfterEnqueue) {
        throw new Error('handler failed after enqueue');
      }
      return id;
    });
  }

  /** The same write through the decorator instead of an explicit `run`. */
  @Transactional()
  async createWithDecorator(topic: string, key: string, seq: number, fail: boolean): Promise<void> {
    await this.transactions.manager.query('INSERT INTO widgets (id, key, seq) VALUES ($1, $2, $3)', [
      randomUUID(),
      key,
      seq,
    ]);
    await this.enqueue(topic, key, seq);
    if (fail) {
      throw new Error('decorated handler failed');
    }
  }

  enqueue(topic: string, key: string, seq: number, eventId = randomUUID(), payloadBytes = 0): Promise<void> {
    return this.outboxService.enqueueMessage({
      eventId,
      eventType: 'widget.created',
      topic,
      key,
      value: JSON.stringify({ key, seq, padding: 'x'.repeat(payloadBytes) }),
      headers: { 'event-id': eventId },
    });
  }
}

export interface OutboxTestApp {
  app: INestApplication;
  widgets: WidgetService;
  transactions: TransactionHost;
  relay: OutboxRelayHost['relay'];
  dataSource: DataSource;
}

/** A Nest app wired with ConsistencyModule exactly as services are, on a test database. */
export async function startOutboxApp(
  databaseUrl: string,
  kafkaBrokers: string[],
  outboxEnv: NodeJS.ProcessEnv = {},
): Promise<OutboxTestApp> {
  const { app, dataSource } = await createTestApp(databaseUrl, kafkaBrokers, outboxEnv, {
    migrations: [CreateWidgets1764000000100],
    providers: [WidgetService],
    // The lock and barrier suites use this app too.
    patterns: { lock: true, barrier: true },
  });
  await app.init();
  return {
    app,
    widgets: app.get(WidgetService),
    transactions: app.get(TransactionHost),
    relay: app.get(OutboxRelayHost).relay,
    dataSource,
  };
}
