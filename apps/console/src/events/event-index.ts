import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Consumer, EachBatchPayload } from 'kafkajs';
import { ALL_TOPICS } from '@app/contracts';
import { ConsoleDatabases } from '../databases/console-databases';
import { KafkaClients } from './kafka-clients';

/** The console's consumer group: it only records where events are, it handles none. */
export const EVENT_INDEX_GROUP = 'console-event-index';

/** Where an event sits in Kafka, as the index recorded it. */
export interface EventPosition {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Records the topic, partition and offset of every saga event, in the console's own database, so a
 * timeline can name the exact message each step consumed without reading the topics again.
 */
@Injectable()
export class EventIndex implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(EventIndex.name);
  private readonly consumer: Consumer;

  constructor(
    kafka: KafkaClients,
    private readonly databases: ConsoleDatabases,
  ) {
    this.consumer = kafka.kafka.consumer({ groupId: EVENT_INDEX_GROUP, maxWaitTimeInMs: 200 });
  }

  onApplicationBootstrap(): void {
    // In the background: the console answers while the broker is away, and the index catches up.
    this.start().catch((error: unknown) =>
      this.log.warn(`event index stopped: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...ALL_TOPICS], fromBeginning: true });
    await this.consumer.run({ eachBatch: (batch) => this.record(batch) });
  }

  private async record({ batch }: EachBatchPayload): Promise<void> {
    const rows = batch.messages.map((message) => ({
      id: message.headers?.['event-id']?.toString() ?? `${batch.topic}:${batch.partition}:${message.offset}`,
      type: message.headers?.['event-type']?.toString() ?? null,
      offset: message.offset,
      at: new Date(Number(message.timestamp)).toISOString(),
    }));
    if (rows.length === 0) {
      return;
    }
    await this.databases.own.query(
      `INSERT INTO event_positions (event_id, event_type, topic, partition, "offset", appended_at)
       SELECT id, type, $1, $2, "offset", at
       FROM unnest($3::text[], $4::text[], $5::bigint[], $6::timestamptz[]) AS m(id, type, "offset", at)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        batch.topic,
        batch.partition,
        rows.map((r) => r.id),
        rows.map((r) => r.type),
        rows.map((r) => r.offset),
        rows.map((r) => r.at),
      ],
    );
  }

  async positions(eventIds: readonly string[]): Promise<Map<string, EventPosition>> {
    const { rows } = await this.databases.own.query<{
      event_id: string;
      topic: string;
      partition: number;
      offset: string;
    }>('SELECT event_id, topic, partition, "offset" FROM event_positions WHERE event_id = ANY($1)', [eventIds]);
    return new Map(
      rows.map((row) => [
        row.event_id,
        { eventId: row.event_id, topic: row.topic, partition: row.partition, offset: row.offset },
      ]),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.disconnect();
  }
}
