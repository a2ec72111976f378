import { MigrationInterface, QueryRunner } from 'typeorm';

/** Processed event ids per consumer: the primary key is what makes redelivery harmless. */
export class CreateInbox1764000000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await queryRunner.query('CREATE INDEX inbox_processed_at ON inbox (processed_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE inbox');
  }
}
