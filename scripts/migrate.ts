import { validateEnv } from '@app/consistency';
import {
  envPrefix,
  loadDatabaseOptions,
  loadInfraEnv,
  migrationsOf,
  runMigrationsExclusively,
  serviceDataSourceOptions,
} from '@app/consistency/tools';
import { url } from 'envalid';
import { manifestOf, SERVICE_NAMES } from './services';

/** `npm run migrate [service…]`: applies pending migrations to each service's database, as services do at start. */
async function main(requested: string[]): Promise<void> {
  loadInfraEnv();
  const unknown = requested.filter((name) => !SERVICE_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new Error(`unknown service ${unknown.join(', ')}; expected some of ${SERVICE_NAMES.join(', ')}`);
  }
  const services = requested.length > 0 ? requested : SERVICE_NAMES;
  for (const service of services) {
    const variable = `${envPrefix(service)}_DATABASE_URL`;
    const databaseUrl = validateEnv({ [variable]: url() })[variable];
    const applied = await runMigrationsExclusively(
      serviceDataSourceOptions({
        databaseUrl,
        applicationName: `${service}-migrate`,
        entities: [],
        migrations: migrationsOf(manifestOf(service)),
        limits: loadDatabaseOptions(),
      }),
    );
    process.stdout.write(`${service.padEnd(12)} ${applied.length > 0 ? applied.join(', ') : 'up to date'}\n`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
