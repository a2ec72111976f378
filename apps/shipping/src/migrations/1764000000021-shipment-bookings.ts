import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shipments as durable intents: the consumer records BOOKING or CANCELLING in its transaction, and
 * the worker calls the carrier outside any transaction, then records the outcome. `next_attempt_at`
 * is both the worker's claim (pushed ahead while it works) and its retry schedule.
 */
export class ShipmentBookings1764000000021 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE shipments
        ADD COLUMN failure_reason text,
        ADD COLUMN fencing_token bigint,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN last_error text,
        ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN caused_by jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD CONSTRAINT shipments_status_check
          CHECK (status IN ('BOOKING', 'BOOKED', 'FAILED', 'CANCELLING', 'CANCELLED'))`);
    await queryRunner.query(
      `CREATE INDEX shipments_due ON shipments (next_attempt_at) WHERE status IN ('BOOKING', 'CANCELLING')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX shipments_due');
    await queryRunner.query(`
      ALTER TABLE shipments
        DROP CONSTRAINT shipments_status_check,
        DROP COLUMN caused_by,
        DROP COLUMN next_attempt_at,
        DROP COLUMN last_error,
        DROP COLUMN attempts,
        DROP COLUMN fencing_token,
        DROP COLUMN failure_reason`);
  }
}
