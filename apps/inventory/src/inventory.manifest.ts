import { defineService } from '@app/consistency';
import { Topics } from '@app/contracts';
import { inventoryMigrations } from './migrations';

/** The inventory service: stock and reservations. It consumes orders to reserve for, and their compensations. */
export const inventoryManifest = defineService({
  name: 'inventory',
  defaultPort: 3002,
  consumes: [Topics.order, Topics.shipping],
  produces: [Topics.inventory],
  migrations: inventoryMigrations,
  patterns: { barrier: true },
});
