import { MigrationInterface, QueryRunner } from 'typeorm';

/** A reservation whose order completed is COMMITTED: its units left the warehouse for good. */
export class CommitReservations1764000000011 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE reservations DROP CONSTRAINT reservations_status_check');
    await queryRunner.query(
      `ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
       CHECK (status IN ('RESERVED', 'REJECTED', 'RELEASED', 'COMMITTED'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE reservations DROP CONSTRAINT reservations_status_check');
    await queryRunner.query(
      `ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('RESERVED', 'REJECTED', 'RELEASED'))`,
    );
  }
}
