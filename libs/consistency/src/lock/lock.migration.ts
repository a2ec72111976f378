import { MigrationInterface, QueryRunner } from 'typeorm';

/** Leases of the guarded distributed lock, their fencing-token sequence, and the fenced resources. */
export class CreateDistributedLocks1764000000005 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SEQUENCE lock_fencing_tokens');
    await queryRunner.query(`
      CREATE TABLE distributed_locks (
        key text PRIMARY KEY,
        owner uuid NOT NULL,
        fencing_token bigint NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE fenced_resources (
        resource text PRIMARY KEY,
        last_token bigint NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE fenced_resources');
    await queryRunner.query('DROP TABLE distributed_locks');
    await queryRunner.query('DROP SEQUENCE lock_fencing_tokens');
  }
}
