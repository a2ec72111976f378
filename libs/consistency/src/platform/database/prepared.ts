import { createHash } from 'node:crypto';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError, QueryRunner } from 'typeorm';

const names = new Map<string, string>();

/** One name per statement text, the same in every process, so a connection prepares each once. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `s${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a hot statement as a named prepared statement on the connection of `on` (a transaction's
 * EntityManager or a QueryRunner): PostgreSQL parses and plans it once per connection instead of on
 * every call. Errors arrive as TypeORM's QueryFailedError, as from `manager.query`, so the consumer's
 * failure policy reads their SQLSTATE the same way.
 */
export async function prepared<R extends QueryResultRow = QueryResultRow>(
  on: EntityManager | QueryRunner,
  text: string,
  values: unknown[],
): Promise<QueryResult<R>> {
  const runner = 'queryRunner' in on && on.queryRunner ? on.queryRunner : (on as QueryRunner);
  const client = (await runner.connect()) as PoolClient;
  try {
    return await client.query<R>({ name: nameOf(text), text, values });
  } catch (error) {
    throw new QueryFailedError(text, values, error as Error);
  }
}
