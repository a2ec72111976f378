import { DataSource, QueryRunner } from 'typeorm';
import { OUTBOX_LANES } from './lane';
import { PendingOutboxRow } from './outbox-message';

/** Lanes per claim: a quarter of them, so several relays find free lanes at the same time. */
const LANES_PER_CLAIM = OUTBOX_LANES / 4;
const PURGE_CHUNK = 5000;

interface RawPendingRow {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  message_key: string;
  value: string;
  headers: Record<string, string>;
  created_at: Date;
}

/** The outbox's SQL, in one place. */
export class OutboxStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `publish` on the oldest pending rows of lanes this relay could lock, and marks them
   * published in the same transaction. A lane stays locked until commit, so no other relay can
   * publish a later event of the same key meanwhile; pending rows are found by status, never by
   * "id above the last one seen", so a transaction that commits late is never skipped.
   */
  async drain(batchSize: number, publish: (rows: PendingOutboxRow[]) => Promise<void>): Promise<PendingOutboxRow[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const rows = await this.claim(runner, batchSize);
      if (rows.length > 0) {
        await publish(rows);
        await runner.query(
          `UPDATE outbox SET status = 'PUBLISHED', published_at = clock_timestamp() WHERE id = ANY($1::bigint[])`,
          [rows.map((row) => row.id)],
        );
      }
      await runner.commitTransaction();
      return rows;
    } catch (error) {
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Locks up to a quarter of the lanes that have pending rows, then reads their oldest rows. Two
   * statements on purpose: under READ COMMITTED the second takes a fresh snapshot after the locks
   * are held, so it sees rows that the lanes' previous holder marked just before releasing them. In
   * one statement the snapshot predates the lock and those rows would be published twice.
   */
  private async claim(runner: QueryRunner, batchSize: number): Promise<PendingOutboxRow[]> {
    const lanes = (await runner.query(
      `SELECT l.lane FROM outbox_lanes l
       WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane AND o.status = 'PENDING')
       ORDER BY (l.lane + $1) % $2
       LIMIT $3
       FOR UPDATE OF l SKIP LOCKED`,
      [Math.floor(Math.random() * OUTBOX_LANES), OUTBOX_LANES, LANES_PER_CLAIM],
    )) as Array<{ lane: number }>;
    if (lanes.length === 0) {
      return [];
    }
    const rows = (await runner.query(
      `SELECT id, event_id, event_type, topic, message_key, value, headers, created_at
       FROM outbox
       WHERE status = 'PENDING' AND lane = ANY($1::smallint[])
       ORDER BY id
       LIMIT $2`,
      [lanes.map(({ lane }) => lane), batchSize],
    )) as RawPendingRow[];
    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.event_type,
      topic: row.topic,
      key: row.message_key,
      value: row.value,
      headers: row.headers,
      createdAt: row.created_at,
    }));
  }

  /** Remembers a failed attempt on the rows, outside the rolled-back transaction. */
  async recordFailure(ids: string[], error: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])',
      [ids, error.slice(0, 2000)],
    );
  }

  async pendingSummary(): Promise<{ pending: number; oldestAgeSeconds: number }> {
    const [row] = await this.dataSource.query<Array<{ pending: string; oldest: number | null }>>(
      `SELECT count(*) AS pending, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
       FROM outbox WHERE status = 'PENDING'`,
    );
    return { pending: Number(row.pending), oldestAgeSeconds: row.oldest ?? 0 };
  }

  /** Deletes published rows older than the retention window, in chunks to keep locks short. */
  async purgePublished(retentionHours: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.dataSource.query<[unknown[], number]>(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox
           WHERE status = 'PUBLISHED' AND published_at < clock_timestamp() - make_interval(secs => $1)
           LIMIT $2)`,
        [retentionHours * 3600, PURGE_CHUNK],
      );
      total += deleted[1];
      if (deleted[1] < PURGE_CHUNK) {
        return total;
      }
    }
  }
}
