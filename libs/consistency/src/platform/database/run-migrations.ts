import { DataSource, DataSourceOptions } from 'typeorm';

/** Arbitrary constant: every instance of every service contends for the same advisory lock id. */
const MIGRATION_LOCK_ID = 727_001;

/**
 * Runs pending migrations while holding a session advisory lock, so several instances starting at
 * once migrate one after the other instead of racing on the same DDL. They run on connections of
 * their own without the statement timeout, which a long index build on a big table would exceed.
 */
export async function runMigrationsExclusively(options: DataSourceOptions): Promise<string[]> {
  const migrator = new DataSource({
    ...options,
    poolSize: 2,
    extra: { ...(options.extra as Record<string, unknown> | undefined), statement_timeout: 0 },
  } as DataSourceOptions);
  await migrator.initialize();
  const lockRunner = migrator.createQueryRunner();
  try {
    await lockRunner.connect();
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await migrator.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lockRunner.release();
    await migrator.destroy();
  }
}
