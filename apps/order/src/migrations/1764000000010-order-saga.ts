import { MigrationInterface, QueryRunner } from 'typeorm';

/** The saga's deadline on the order and its log: one row per step outcome, in order. */
export class OrderSaga1764000000010 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders ADD COLUMN step_deadline_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(
      `CREATE INDEX orders_open_by_deadline ON orders (step_deadline_at) WHERE status NOT IN ('COMPLETED', 'CANCELLED')`,
    );
    await queryRunner.query(`
      CREATE TABLE saga_steps (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders (id),
        step text NOT NULL,
        status text NOT NULL,
        detail text,
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query('CREATE INDEX saga_steps_by_order ON saga_steps (order_id, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE saga_steps');
    await queryRunner.query('DROP INDEX orders_open_by_deadline');
    await queryRunner.query('ALTER TABLE orders DROP COLUMN step_deadline_at');
  }
}
