import { Pool } from 'pg';

/**
 * The console's own tables, created at start when missing: who replayed which dead letters when,
 * and where each saga event sits in Kafka. Nothing here is business data.
 */
export async function ensureConsoleSchema(pool: Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS replay_audit (
      id bigserial PRIMARY KEY,
      actor text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      topic text NOT NULL,
      selection text NOT NULL,
      event_ids text[] NOT NULL,
      replayed integer NOT NULL,
      duplicates integer NOT NULL,
      skipped integer NOT NULL
    )`);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS event_positions (
      event_id text PRIMARY KEY,
      event_type text,
      topic text NOT NULL,
      partition integer NOT NULL,
      "offset" bigint NOT NULL,
      appended_at timestamptz NOT NULL
    )`);
}
