import { defineService } from '@app/consistency';
import { Topics } from '@app/contracts';
import { shippingMigrations } from './migrations';

/** The shipping service: shipments. It consumes reservations to ship and cancellations to undo. */
export const shippingManifest = defineService({
  name: 'shipping',
  defaultPort: 3003,
  consumes: [Topics.inventory, Topics.order],
  produces: [Topics.shipping],
  migrations: shippingMigrations,
  faultPoints: ['shipping.carrier-timeout'],
  patterns: { barrier: true, lock: true },
});
