import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateStock1764000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE stock_items (
        sku text PRIMARY KEY,
        available integer NOT NULL CONSTRAINT stock_available_not_negative CHECK (available >= 0),
        reserved integer NOT NULL DEFAULT 0 CONSTRAINT stock_reserved_not_negative CHECK (reserved >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE stock_items');
  }
}
