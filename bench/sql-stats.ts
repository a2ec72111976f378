import { Client } from 'pg';

export interface SqlSnapshot {
  /** Statements executed (BEGIN and COMMIT included), or undefined without pg_stat_statements. */
  statements?: number;
  commits: number;
}

/**
 * What the service databases executed, read from the server's own statistics: statements from
 * `pg_stat_statements` (when the server preloads it, as the embedded one does) and commits from
 * `pg_stat_database`. Snapshots are subtracted; the caller removes the queries it ran itself.
 */
export class SqlCounter {
  private constructor(
    private readonly admin: Client,
    private readonly databases: string[],
    private readonly statementsAvailable: boolean,
  ) {}

  static async open(adminUrl: string, databaseUrls: string[]): Promise<SqlCounter> {
    const admin = new Client({ connectionString: adminUrl, application_name: 'bench-sql-counter' });
    await admin.connect();
    const available = await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(
      () => admin.query('SELECT 1 FROM pg_stat_statements LIMIT 1').then(() => true),
      () => false,
    );
    return new SqlCounter(
      admin,
      databaseUrls.map((url) => decodeURIComponent(new URL(url).pathname.slice(1))),
      available,
    );
  }

  async snapshot(): Promise<SqlSnapshot> {
    const [{ rows: commits }, statements] = await Promise.all([
      this.admin.query<{ n: string }>(
        'SELECT coalesce(sum(xact_commit), 0) AS n FROM pg_stat_database WHERE datname = ANY($1)',
        [this.databases],
      ),
      this.statementsAvailable
        ? this.admin.query<{ n: string }>(
            `SELECT coalesce(sum(s.calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = ANY($1)`,
            [this.databases],
          )
        : undefined,
    ]);
    return {
      commits: Number(commits[0].n),
      ...(statements ? { statements: Number(statements.rows[0].n) } : {}),
    };
  }

  end(): Promise<void> {
    return this.admin.end();
  }
}
