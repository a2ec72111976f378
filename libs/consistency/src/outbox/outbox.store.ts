import { DataSource, QueryRunner } from 'typeorm';
import { errorText } from '../platform/errors/error-text';
import { OUTBOX_LANES } from './lane';
import { ParkedOutboxRow, PendingOutboxRow } from './outbox-message';
import { Rejection } from './parking';
import { prepared } from '../platform/database/prepared';

/** Lanes per claim: a quarter of them, so several relays find free lanes at the same time. */
const LANES_PER_CLAIM = OUTBOX_LANES / 4;
const PURGE_CHUNK = 5000;
const ERROR_TEXT_LIMIT = 2000;

/**
 * A pending row may go out unless a row of its key, itself or an earlier one, is parked or rests
 * after a refusal: later events of a key never overtake an earlier one the broker has not taken.
 */
const SENDABLE = `NOT EXISTS (
  SELECT 1 FROM outbox held
  WHERE held.message_key = o.message_key AND held.id <= o.id
    AND (held.status = 'PARKED' OR (held.status = 'PENDING' AND held.retry_at > now())))`;

/** What a row weighs in memory, near enough and without detoasting anything (headers at their stored size). */
const ROW_BYTES = 'octet_length(o.value) + octet_length(o.message_key) + pg_column_size(o.headers)';

/** Key, value and headers, as OUTBOX_MAX_MESSAGE_BYTES counts them. */
const MESSAGE_BYTES = `octet_length(value) + octet_length(message_key)
  + (SELECT coalesce(sum(octet_length(h.key) + octet_length(h.value)), 0) FROM jsonb_each_text(headers) h)`;

export interface ClaimLimits {
  rows: number;
  /** Rows past this many bytes wait for the next round (the first row is always taken). */
  bytes: number;
}

/** What became of a claimed round, for the store to record before the lanes are let go. */
export interface RoundResult {
  published: PendingOutboxRow[];
  rejected: Rejection[];
  /** Requests the broker refused as a whole and that were sent again row by row. */
  splitRequests: number;
  /** The broker could not be reached: these rows were being sent; the rest were not tried. */
  failed?: { rows: PendingOutboxRow[]; error: unknown };
}

export interface DrainedRound extends RoundResult {
  /** The claim hit its limits: more rows are probably waiting. */
  full: boolean;
}

/** Which parked rows `retryParked` puts back: all of them, or those with these outbox or event ids. */
export type ParkedSelection = 'all' | { ids: string[]; eventIds: string[] };

interface RawPendingRow {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  message_key: string;
  value: string;
  headers: Record<string, string>;
  created_ms: number;
  rejections: number;
  claimed_bytes: string;
}

interface RawParkedRow {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  message_key: string;
  attempts: number;
  rejections: number;
  last_error: string | null;
  bytes: number;
  age_seconds: number;
}

/**
 * The outbox backlog: rows waiting to be published (those held behind a parked row included), the
 * age of the oldest in seconds, and parked rows. The one query behind the relay's metrics, the stack
 * scripts and the benchmarks.
 */
export const OUTBOX_BACKLOG_SQL = `SELECT count(*)::int AS pending,
  extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest,
  (SELECT count(*)::int FROM outbox WHERE status = 'PARKED') AS parked
FROM outbox WHERE status = 'PENDING'`;

export interface OutboxBacklogRow {
  pending: number;
  oldest: number | null;
  parked: number;
}

export interface OutboxBacklog {
  pending: number;
  oldestAgeSeconds: number;
  parked: number;
}

export function outboxBacklog(row: OutboxBacklogRow): OutboxBacklog {
  return { pending: row.pending, oldestAgeSeconds: row.oldest ?? 0, parked: row.parked };
}

/** The outbox's SQL, in one place. */
export class OutboxStore {
  /**
   * @param deleteOnPublish remove rows once the broker has them (OUTBOX_RETENTION_HOURS=0) instead of
   * marking them published: a DELETE writes no new row version or index entries, where the mark does.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly deleteOnPublish = false,
  ) {}

  /**
   * Runs `publish` on the oldest sendable rows of lanes this relay could lock, and records what it
   * reports (published, refused, not sent) in the same transaction. A lane stays locked until
   * commit, so no other relay can publish a later event of the same key meanwhile; pending rows are
   * found by status, never by "id above the last one seen", so a transaction that commits late is
   * never skipped.
   */
  async drain(limits: ClaimLimits, publish: (rows: PendingOutboxRow[]) => Promise<RoundResult>): Promise<DrainedRound> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const { rows, full } = await this.claim(runner, limits);
      const result: RoundResult =
        rows.length > 0 ? await publish(rows) : { published: [], rejected: [], splitRequests: 0 };
      await this.record(runner, result);
      await runner.commitTransaction();
      return { ...result, full };
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
   * Whether any pending row could be sent now: one probe of the pending index that stops at the
   * first sendable row, outside any transaction, so a relay's poll of an empty outbox costs one
   * statement instead of a claim transaction's three.
   */
  async hasSendable(): Promise<boolean> {
    const [row] = await this.dataSource.query<Array<{ sendable: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'PENDING' AND ${SENDABLE}) AS sendable`,
    );
    return row.sendable;
  }

  /**
   * Locks up to a quarter of the lanes that have sendable rows, then reads their oldest ones. Two
   * statements on purpose: under READ COMMITTED the second takes a fresh snapshot after the locks
   * are held, so it sees rows that the lanes' previous holder marked just before releasing them. In
   * one statement the snapshot predates the lock and those rows would be published twice.
   */
  private async claim(runner: QueryRunner, limits: ClaimLimits): Promise<{ rows: PendingOutboxRow[]; full: boolean }> {
    // OFFSET 0 keeps the EXISTS a probe per lane that stops at its first sendable row; flattened into a
    // join, PostgreSQL anti-joins the whole backlog first (170 ms instead of 1 ms at 100k pending rows).
    // Unprepared, like the claim below: their best plans depend on the backlog, which a generic plan ignores.
    const lanes = (await runner.query(
      `SELECT l.lane FROM outbox_lanes l
       WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane AND o.status = 'PENDING' AND ${SENDABLE} OFFSET 0)
       ORDER BY (l.lane + $1) % $2
       LIMIT $3
       FOR UPDATE OF l SKIP LOCKED`,
      [Math.floor(Math.random() * OUTBOX_LANES), OUTBOX_LANES, LANES_PER_CLAIM],
    )) as Array<{ lane: number }>;
    if (lanes.length === 0) {
      return { rows: [], full: false };
    }
    // The byte cut runs over the limited rows only: a window over the whole backlog would read all of it.
    const raw = (await runner.query(
      `SELECT * FROM (
         SELECT claim.*, sum(claim.bytes) OVER (ORDER BY claim.id) AS claimed_bytes
         FROM (
           SELECT o.id, o.event_id, o.event_type, o.topic, o.message_key, o.value, o.headers,
                  extract(epoch FROM o.created_at)::float8 * 1000 AS created_ms,
                  o.rejections, ${ROW_BYTES} AS bytes
           FROM outbox o
           WHERE o.status = 'PENDING' AND o.lane = ANY($1::smallint[]) AND ${SENDABLE}
           ORDER BY o.id
           LIMIT $2
         ) claim
       ) sized
       WHERE claimed_bytes - bytes < $3
       ORDER BY id`,
      [lanes.map(({ lane }) => lane), limits.rows, limits.bytes],
    )) as RawPendingRow[];
    const rows = raw.map(toPendingRow);
    const full = rows.length >= limits.rows || Number(raw.at(-1)?.claimed_bytes ?? 0) >= limits.bytes;
    return { rows, full };
  }

  private async record(runner: QueryRunner, { published, rejected, failed }: RoundResult): Promise<void> {
    await this.markPublished(published, runner);
    for (const rejection of rejected) {
      await this.recordRejection(runner, rejection);
    }
    if (failed) {
      await this.recordFailure(
        failed.rows.map((row) => row.id),
        errorText(failed.error),
        runner,
      );
    }
  }

  /** Marks rows the broker acknowledged (or deletes them, when published rows are not kept). */
  async markPublished(rows: PendingOutboxRow[], runner?: QueryRunner): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const on = runner ?? this.dataSource.createQueryRunner();
    try {
      await prepared(
        on,
        this.deleteOnPublish
          ? 'DELETE FROM outbox WHERE id = ANY($1::bigint[])'
          : `UPDATE outbox SET status = 'PUBLISHED', published_at = clock_timestamp() WHERE id = ANY($1::bigint[])`,
        [rows.map((row) => row.id)],
      );
    } finally {
      if (!runner) {
        await on.release();
      }
    }
  }

  /**
   * Lets go of rows a writer held for its own relay that could not send them: they are sendable at
   * once, for any relay's next round (which counts refusals and parks, as for every row).
   */
  async release(rows: PendingOutboxRow[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox SET retry_at = NULL WHERE id = ANY($1::bigint[]) AND status = 'PENDING' AND rejections = 0`,
      [rows.map((row) => row.id)],
    );
  }

  /** Counts a refusal; parks the row, or lets it (and its key) rest until `retry_at`. */
  private async recordRejection(runner: QueryRunner, { row, error, park, retryInMs }: Rejection): Promise<void> {
    await runner.query(
      `UPDATE outbox
       SET attempts = attempts + 1, rejections = rejections + 1, last_error = $2,
           status = CASE WHEN $3 THEN 'PARKED' ELSE status END,
           retry_at = clock_timestamp() + make_interval(secs => $4)
       WHERE id = $1`,
      [row.id, error.slice(0, ERROR_TEXT_LIMIT), park, retryInMs / 1000],
    );
  }

  /** Remembers a failed attempt on the rows; outside a rolled-back round when no runner is given. */
  async recordFailure(ids: string[], error: string, runner?: QueryRunner): Promise<void> {
    await (runner ?? this.dataSource).query(
      'UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])',
      [ids, error.slice(0, ERROR_TEXT_LIMIT)],
    );
  }

  /** Rows waiting to be published (those held behind a parked row included), and parked rows. */
  async pendingSummary(): Promise<OutboxBacklog> {
    const [row] = await this.dataSource.query<OutboxBacklogRow[]>(OUTBOX_BACKLOG_SQL);
    return outboxBacklog(row);
  }

  /**
   * Age of the oldest row the relay could send now, in ms (0 when none): the backlog admission
   * control watches. Rows the broker refused, and the rows of keys held behind a parked or resting
   * one, wait for an operator or their retry time rather than for the relay: one bad event must not
   * make the service shed all new work. One probe of the pending index, stopping at the first row.
   */
  async oldestSendableAgeMs(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ age_ms: number }>>(
      `SELECT extract(epoch FROM clock_timestamp() - o.created_at)::float8 * 1000 AS age_ms
       FROM outbox o
       WHERE o.status = 'PENDING' AND o.rejections = 0 AND ${SENDABLE}
       ORDER BY o.id
       LIMIT 1`,
    );
    return row?.age_ms ?? 0;
  }

  /** Parked rows, oldest first. */
  async listParked(): Promise<ParkedOutboxRow[]> {
    const rows = await this.dataSource.query<RawParkedRow[]>(
      `SELECT id, event_id, event_type, topic, message_key, attempts, rejections, last_error,
              ${MESSAGE_BYTES} AS bytes,
              extract(epoch FROM clock_timestamp() - created_at)::float8 AS age_seconds
       FROM outbox WHERE status = 'PARKED'
       ORDER BY id`,
    );
    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.event_type,
      topic: row.topic,
      key: row.message_key,
      attempts: row.attempts,
      rejections: row.rejections,
      lastError: row.last_error,
      bytes: Number(row.bytes),
      ageSeconds: row.age_seconds,
    }));
  }

  /**
   * Puts parked rows back to pending with their counts reset (the last error stays, for the record);
   * the relays' next claim finds them, and the rows of their keys that waited behind them follow in
   * order. Returns the rows put back.
   */
  async retryParked(selection: ParkedSelection): Promise<Array<{ id: string; eventId: string }>> {
    const [rows] = await this.dataSource.query<[Array<{ id: string; event_id: string }>, number]>(
      `UPDATE outbox SET status = 'PENDING', attempts = 0, rejections = 0, retry_at = NULL
       WHERE status = 'PARKED' AND ($1::boolean OR id = ANY($2::bigint[]) OR event_id = ANY($3::uuid[]))
       RETURNING id, event_id`,
      selection === 'all' ? [true, [], []] : [false, selection.ids, selection.eventIds],
    );
    return rows.map((row) => ({ id: row.id, eventId: row.event_id }));
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

function toPendingRow(row: RawPendingRow): PendingOutboxRow {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    topic: row.topic,
    key: row.message_key,
    value: row.value,
    headers: row.headers,
    createdAtMs: row.created_ms,
    rejections: row.rejections,
  };
}
