import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saga barrier records (after DTM's barrier): one row per (saga, step, operation). `origin` tells a
 * forward row written by the forward step from one written by a compensation to block it.
 */
export class CreateSagaBarrier1764000000006 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE saga_barrier (
        saga_id text NOT NULL,
        step text NOT NULL,
        operation text NOT NULL CHECK (operation IN ('forward', 'compensate')),
        origin text NOT NULL CHECK (origin IN ('forward', 'compensate')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (saga_id, step, operation)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE saga_barrier');
  }
}
