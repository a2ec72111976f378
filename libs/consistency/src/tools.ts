// What tools, tests and benchmarks use besides the public surface: infrastructure helpers, the
// outbox's store, the dead-letter codec, tokens and the pieces tests assemble apps from.

export { loadInfraEnv } from './platform/config/infra-env';
export { parseBrokerList } from './platform/config/validate-env';
export { loadDatabaseOptions } from './platform/database/database.options';
export { serviceDataSourceOptions } from './platform/database/data-source-options';
export { runMigrationsExclusively } from './platform/database/run-migrations';
export { stringHeaders } from './platform/kafka/kafka-headers';
export { consumerGroupId, envPrefix } from './service/service-manifest';
export type { MigrationClass } from './service/service-manifest';
export { loadServiceConfig } from './service/service-config';
export { migrationsOf } from './service/migrations';

export { OUTBOX_BACKLOG_SQL, OutboxStore, outboxBacklog } from './outbox/outbox.store';
export type { OutboxBacklog, OutboxBacklogRow, ParkedSelection } from './outbox/outbox.store';
export type { ParkedOutboxRow } from './outbox/outbox-message';
export { OutboxRelayHost } from './outbox/outbox-relay.host';
export { OutboxNotifier } from './outbox/outbox.notifier';
export { toOutboxMessage } from './outbox/event-envelope';
export { laneOf } from './outbox/lane';
export { EventTooLargeError } from './outbox/outbox-message';

export { connectConsumer } from './consumer/connect-consumer';
export { deadLetter, DeadLetterHeaders, decodeDeadLetter } from './consumer/dead-letter';
export type { Replay, StoredDeadLetter } from './consumer/dead-letter';
export { PassThroughRpcErrors } from './consumer/pass-through-rpc-errors.filter';
export { claimInbox } from './inbox/inbox';
export type { UpcasterRegistry } from './consumer/upcasting';

export { InvalidLockRequestError } from './lock/lock.errors';
export { LIBRARY_FAULT_POINTS } from './faults/fault-points';
export type { FaultAction, FaultPoint } from './faults/fault-points';
export { ROLES, isRole } from './auth/principal';
export type { Role } from './auth/principal';
export { MIN_SECRET_LENGTH } from './auth/auth.options';
export { signToken } from './auth/sign-token';
