import { MigrationInterface, QueryRunner } from 'typeorm';

/** The customer who owns the order a shipment belongs to: reads are allowed to the owner or an admin. */
export class ShipmentOwner1764000000020 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE shipments ADD COLUMN customer_id text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE shipments DROP COLUMN customer_id');
  }
}
