import { DataSource } from 'typeorm';

/** Arbitrary constant: every instance of every service contends for the same advisory lock id. */
const MIGRATION_LOCK_ID = 727_001;

/**
 * Runs pending migrations while holding a session advisory lock, so several instances starting at
 * once migrate one after the other instead of racing on the same DDL.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<string[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lockRunner.release();
  }
}
