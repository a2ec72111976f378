import { BARRIER_MIGRATIONS } from '../barrier/barrier.module';
import { CONSUMER_MIGRATIONS } from '../consumer/consumer.module';
import { IDEMPOTENCY_MIGRATIONS } from '../idempotency/idempotency.module';
import { LOCK_MIGRATIONS } from '../lock/lock.module';
import { OUTBOX_MIGRATIONS } from '../outbox/outbox.module';
import { MigrationClass, ServiceManifest } from './service-manifest';

/**
 * A service's migrations: the library's tables, then its own. Every service database gets all of
 * the library's tables, whichever patterns it wires: the library's schema then has one history
 * everywhere, and a service that takes up a pattern later finds its tables already there.
 */
export function migrationsOf(manifest: ServiceManifest): MigrationClass[] {
  return [
    ...OUTBOX_MIGRATIONS,
    ...CONSUMER_MIGRATIONS,
    ...IDEMPOTENCY_MIGRATIONS,
    ...LOCK_MIGRATIONS,
    ...BARRIER_MIGRATIONS,
    ...manifest.migrations,
  ];
}
