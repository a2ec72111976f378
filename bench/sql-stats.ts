import { Client } from 'pg';

export interface SqlSnapshot {
  /** Statements executed (BEGIN and COMMIT included), or undefined without pg_stat_statements. */
  statements?: number;
  commits: number;
  /** Calls per normalised statement, keyed by database and text (empty without pg_stat_statements). */
  calls: Map<string, number>;
}

/** One statement's share of the work between two snapshots. */
export interface StatementCalls {
  database: string;
  query: string;
  calls: number;
}

const KEY_SEPARATOR = '\u0000';

/** Statements executed between two snapshots, or undefined without pg_stat_statements. */
export function statementCount(before: SqlSnapshot, after: SqlSnapshot): number | undefined {
  return after.statements === undefined || before.statements === undefined
    ? undefined
    : after.statements - before.statements;
}

/** Statements called between `before` and `after`, most called first. */
export function statementsBetween(before: SqlSnapshot, after: SqlSnapshot): StatementCalls[] {
  return [...after.calls]
    .map(([key, calls]) => {
      const [database, query] = key.split(KEY_SEPARATOR);
      return { database, query, calls: calls - (before.calls.get(key) ?? 0) };
    })
    .filter((statement) => statement.calls > 0)
    .sort((a, b) => b.calls - a.calls);
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
        ? this.admin.query<{ datname: string; query: string; calls: string }>(
            `SELECT d.datname, s.query, sum(s.calls) AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = ANY($1) GROUP BY d.datname, s.query`,
            [this.databases],
          )
        : undefined,
    ]);
    const calls = new Map(
      (statements?.rows ?? []).map((row) => [`${row.datname}${KEY_SEPARATOR}${row.query}`, Number(row.calls)]),
    );
    return {
      commits: Number(commits[0].n),
      calls,
      ...(statements ? { statements: [...calls.values()].reduce((sum, n) => sum + n, 0) } : {}),
    };
  }

  end(): Promise<void> {
    return this.admin.end();
  }
}
