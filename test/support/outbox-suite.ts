import { randomUUID } from 'node:crypto';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';
import { testInfra } from './infra-env';

/** What an outbox suite works with once started. */
export interface OutboxWorld {
  databaseUrl: string;
  outbox: OutboxTestApp;
  reader: TopicReader;
}

/**
 * An outbox suite's world: a database and a topic of its own, the outbox test app on them (with
 * `env` over its defaults) and a reader of the topic; `stop` removes all of it, whatever started.
 */
export class OutboxSuite {
  readonly infra = testInfra();
  readonly topic: string;
  private database?: Awaited<ReturnType<typeof createTestDatabase>>;
  private world?: Partial<OutboxWorld>;

  constructor(
    private readonly name: string,
    private readonly env: NodeJS.ProcessEnv = {},
    private readonly topicConfig: Record<string, string> = {},
  ) {
    this.topic = `outbox-${name.replaceAll('_', '-')}-${randomUUID()}`;
  }

  async start(): Promise<OutboxWorld> {
    const { adminUrl, kafkaBrokers } = this.infra;
    this.database = await createTestDatabase(adminUrl, `outbox_${this.name}`);
    this.world = { databaseUrl: this.database.url };
    await createTopic(kafkaBrokers, this.topic, 3, this.topicConfig);
    this.world.outbox = await startOutboxApp(this.database.url, kafkaBrokers, this.env);
    this.world.reader = await new TopicReader(kafkaBrokers, this.topic).start();
    return this.world as OutboxWorld;
  }

  async stop(): Promise<void> {
    await this.world?.reader?.stop();
    await this.world?.outbox?.app.close();
    await this.database?.drop();
    await deleteTopic(this.infra.kafkaBrokers, this.topic);
  }
}
