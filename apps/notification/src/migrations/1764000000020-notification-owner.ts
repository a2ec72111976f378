import { MigrationInterface, QueryRunner } from 'typeorm';

/** The customer a notification was sent to: reads are allowed to that customer or an admin. */
export class NotificationOwner1764000000020 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE notifications ADD COLUMN customer_id text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE notifications DROP COLUMN customer_id');
  }
}
