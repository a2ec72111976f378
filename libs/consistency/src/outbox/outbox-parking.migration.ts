import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Parking: a PARKED status for rows the broker keeps refusing, a count of those refusals apart from
 * failed attempts of any kind (an outage must never park), and when a refused row may be tried again.
 * `outbox_held` indexes the few rows that hold back their key's later rows, so the claim can skip
 * those keys cheaply.
 */
export class ParkOutboxRows1764000000031 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox ADD COLUMN rejections integer NOT NULL DEFAULT 0');
    await queryRunner.query('ALTER TABLE outbox ADD COLUMN retry_at timestamptz');
    await queryRunner.query('ALTER TABLE outbox DROP CONSTRAINT outbox_status_check');
    await queryRunner.query(
      `ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('PENDING', 'PUBLISHED', 'PARKED'))`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_held ON outbox (message_key, id)
       WHERE status = 'PARKED' OR (status = 'PENDING' AND retry_at IS NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX outbox_held');
    await queryRunner.query(`UPDATE outbox SET status = 'PENDING' WHERE status = 'PARKED'`);
    await queryRunner.query('ALTER TABLE outbox DROP CONSTRAINT outbox_status_check');
    await queryRunner.query(
      `ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('PENDING', 'PUBLISHED'))`,
    );
    await queryRunner.query('ALTER TABLE outbox DROP COLUMN retry_at');
    await queryRunner.query('ALTER TABLE outbox DROP COLUMN rejections');
  }
}
