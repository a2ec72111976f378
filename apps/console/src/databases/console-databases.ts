import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { CONSOLE_CONFIG, SAGA_SERVICES } from '../console.config';
import type { ConsoleConfig, SagaService } from '../console.config';

/**
 * The console's connections: one small read-only pool per service database (the role can only
 * SELECT, and every transaction is read-only), and its own database for what the console writes.
 */
@Injectable()
export class ConsoleDatabases implements OnModuleDestroy {
  readonly own: Pool;
  private readonly services: Record<SagaService, Pool>;

  constructor(@Inject(CONSOLE_CONFIG) config: ConsoleConfig) {
    const pool = (connectionString: string) =>
      new Pool({ connectionString, max: 4, application_name: 'console', connectionTimeoutMillis: 5000 });
    this.own = pool(config.databaseUrl);
    this.services = Object.fromEntries(
      SAGA_SERVICES.map((service) => [service, pool(config.readUrls[service])]),
    ) as Record<SagaService, Pool>;
    // An idle client that loses its server must not crash the process; the next query reconnects.
    for (const each of [this.own, ...Object.values(this.services)]) {
      each.on('error', () => undefined);
    }
  }

  /** Rows of `sql` run against a service's database. */
  async read<T extends QueryResultRow>(service: SagaService, sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.services[service].query<T>(sql, params)).rows;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.own, ...Object.values(this.services)].map((pool) => pool.end()));
  }
}
