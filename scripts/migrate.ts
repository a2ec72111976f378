import {
  consistencyMigrations,
  envPrefix,
  loadDatabaseOptions,
  loadInfraEnv,
  runMigrationsExclusively,
  SERVICES,
  ServiceName,
  serviceDataSourceOptions,
  validateEnv,
} from '@app/consistency';
import { url } from 'envalid';
import { orderMigrations } from '../apps/order/src/migrations';
import { inventoryMigrations } from '../apps/inventory/src/migrations';
import { shippingMigrations } from '../apps/shipping/src/migrations';
import { notificationMigrations } from '../apps/notification/src/migrations';

const migrations: Record<ServiceName, Array<new () => unknown>> = {
  order: orderMigrations,
  inventory: inventoryMigrations,
  shipping: shippingMigrations,
  notification: notificationMigrations,
};

/** `npm run migrate [service…]`: applies pending migrations to each service's database, as services do at start. */
async function main(requested: string[]): Promise<void> {
  loadInfraEnv();
  const unknown = requested.filter((name) => !(name in SERVICES));
  if (unknown.length > 0) {
    throw new Error(`unknown service ${unknown.join(', ')}; expected some of ${Object.keys(SERVICES).join(', ')}`);
  }
  const services = (requested.length > 0 ? requested : Object.keys(SERVICES)) as ServiceName[];
  for (const service of services) {
    const variable = `${envPrefix(service)}_DATABASE_URL`;
    const databaseUrl = validateEnv({ [variable]: url() })[variable];
    const applied = await runMigrationsExclusively(
      serviceDataSourceOptions({
        databaseUrl,
        applicationName: `${service}-migrate`,
        entities: [],
        migrations: [...consistencyMigrations, ...migrations[service]],
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
