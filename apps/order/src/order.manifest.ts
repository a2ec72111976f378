import { defineService } from '@app/consistency';
import { Topics } from '@app/contracts';
import { orderMigrations } from './migrations';

/** The order service: orders and their saga. It consumes the outcomes of the saga's steps. */
export const orderManifest = defineService({
  name: 'order',
  defaultPort: 3001,
  consumes: [Topics.inventory, Topics.shipping],
  produces: [Topics.order],
  migrations: orderMigrations,
  faultPoints: ['saga.before-compensation-publish'],
  patterns: { idempotency: true, admission: true },
});
