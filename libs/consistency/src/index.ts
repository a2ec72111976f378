// The library's public surface for services: what an app wires, injects and decorates with.
// Tools and tests reach further through `@app/consistency/tools`.

// Wiring a service
export { defineService } from './service/service-manifest';
export type { ServiceManifest, ServicePatterns } from './service/service-manifest';
export { runService } from './service/start-service';
export { ConsistencyModule } from './service/consistency.module';
export type { ServiceConfig } from './service/service-config';
export { ServiceLifecycle } from './service/health/service-lifecycle';
export { METRICS_REGISTRY } from './platform/tokens';
export { ConfigurationError } from './platform/config/configuration-error';
export { codeList, nonNegativeNumber, positiveInt, validateEnv } from './platform/config/validate-env';
export { backoffDelay } from './platform/backoff';
export { errorText } from './platform/errors/error-text';

// Transactions and the outbox
export { TransactionHost } from './transaction/transaction-host';
export { Transactional } from './transaction/transactional.decorator';
export { TransactionBuffer } from './transaction/transaction-buffer';
export { OutboxService } from './outbox/outbox.service';

// Consuming events
export { OnEvent } from './consumer/on-event.decorator';
export { BatchLocks } from './consumer/batch-locks';
export { PoisonMessageError } from './consumer/poison-message.error';
export { currentMessage } from './platform/message-context';

// Saga steps, locks and fault points
export { SagaBarrier } from './barrier/saga-barrier';
export { DistributedLock } from './lock/distributed-lock';
export { lockOrders } from './inbox/inbox';
export type { LockLease } from './lock/distributed-lock';
export { LockAcquireFailedError, StaleFencingTokenError } from './lock/lock.errors';
export { FaultInjector } from './faults/fault-points';

// Tracing: spans joined across services by the traceparent every event carries
export { inSpan, SpanKind } from './platform/tracing';

// HTTP: who is calling, idempotent writes, shedding load
export { CurrentPrincipal } from './auth/current-principal.decorator';
export { Roles } from './auth/roles.decorator';
export { isAdmin, MAX_SUBJECT_LENGTH } from './auth/principal';
export type { Principal } from './auth/principal';
export { Idempotent } from './idempotency/idempotent.decorator';
export { AdmissionControlled } from './admission/admission-controlled.decorator';
export type { SagasInFlightProbe } from './admission/sagas-in-flight.probe';

// Operating the suite: what the console verifies tokens, finds the infrastructure and reads events with
export { TokenVerifier } from './auth/token-verifier';
export { InvalidTokenError } from './auth/invalid-token.error';
export { IdentityProviderUnavailableError } from './auth/identity-provider-unavailable.error';
export { loadAuthOptions } from './auth/auth.options';
export { loadInfraEnv } from './platform/config/infra-env';
export { parseBrokerList } from './platform/config/validate-env';
export { stringHeaders } from './platform/kafka/kafka-headers';
export { DeadLetterHeaders, decodeDeadLetter } from './consumer/dead-letter';
export type { Replay, StoredDeadLetter } from './consumer/dead-letter';
export { consumerGroupId, envPrefix } from './service/service-manifest';
