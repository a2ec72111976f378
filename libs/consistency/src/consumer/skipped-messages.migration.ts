import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last resort of a consumer: a message that could not even be dead-lettered is recorded here
 * (where it was, why, and a digest of its bytes) and skipped, so its partition moves on.
 */
export class CreateSkippedMessages1764000000030 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE skipped_messages (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        reason text NOT NULL,
        error text NOT NULL,
        message_bytes integer NOT NULL,
        message_sha256 text NOT NULL,
        skipped_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE skipped_messages');
  }
}
