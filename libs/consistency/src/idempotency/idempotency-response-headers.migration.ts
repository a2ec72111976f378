import { MigrationInterface, QueryRunner } from 'typeorm';

/** A replay restores the first response's headers (Location, Content-Type, …), not only its status and body. */
export class IdempotencyResponseHeaders1764000000032 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE idempotency_keys ADD COLUMN response_headers jsonb NOT NULL DEFAULT '{}'::jsonb`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE idempotency_keys DROP COLUMN response_headers');
  }
}
