import { MigrationInterface, QueryRunner } from 'typeorm';
import { OUTBOX_LANES } from './lane';

/**
 * The outbox table and its lanes. A lane is a fixed hash bucket of message keys; a relay locks
 * whole lanes (FOR UPDATE SKIP LOCKED), so one key is only ever published by one relay at a time.
 */
export class CreateOutbox1764000000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        topic text NOT NULL,
        message_key text NOT NULL,
        lane smallint NOT NULL,
        value text NOT NULL,
        headers jsonb NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'PUBLISHED')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX outbox_pending_by_lane ON outbox (lane) WHERE status = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX outbox_published_at ON outbox (published_at) WHERE status = 'PUBLISHED'`);
    await queryRunner.query('CREATE TABLE outbox_lanes (lane smallint PRIMARY KEY)');
    await queryRunner.query('INSERT INTO outbox_lanes (lane) SELECT generate_series(0, $1 - 1)', [OUTBOX_LANES]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE outbox_lanes');
    await queryRunner.query('DROP TABLE outbox');
  }
}
