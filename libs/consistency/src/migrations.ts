import { CreateSagaBarrier1764000000006 } from './barrier/barrier.migration';
import { CreateIdempotencyKeys1764000000004 } from './idempotency/idempotency.migration';
import { IdempotencyResponseHeaders1764000000032 } from './idempotency/idempotency-response-headers.migration';
import { CreateInbox1764000000003 } from './messaging/inbox.migration';
import { CreateSkippedMessages1764000000030 } from './messaging/skipped-messages.migration';
import { CreateDistributedLocks1764000000005 } from './lock/lock.migration';
import { CreateOutbox1764000000001 } from './outbox/outbox.migration';
import { ParkOutboxRows1764000000031 } from './outbox/outbox-parking.migration';

/** The library's tables, migrated into every service database before the service's own. */
export const consistencyMigrations = [
  CreateOutbox1764000000001,
  CreateInbox1764000000003,
  CreateIdempotencyKeys1764000000004,
  CreateDistributedLocks1764000000005,
  CreateSagaBarrier1764000000006,
  CreateSkippedMessages1764000000030,
  ParkOutboxRows1764000000031,
  IdempotencyResponseHeaders1764000000032,
];
