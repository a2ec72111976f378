import { MigrationInterface } from 'typeorm';

/** A TypeORM migration class. */
export type MigrationClass = new () => MigrationInterface;

/** The patterns a service may use besides transactions, the outbox and its consumer (always there). */
export interface ServicePatterns {
  /** `@Idempotent()` write endpoints (and the purge of expired keys). */
  idempotency?: boolean;
  /** `DistributedLock`, for work that spans systems. */
  lock?: boolean;
  /** `SagaBarrier`, for forward steps and their compensations. */
  barrier?: boolean;
  /** `@AdmissionControlled()` routes that shed new work past the backlog bounds. */
  admission?: boolean;
}

/**
 * Everything the library and the tools need to know about one service, written once beside its
 * app (`apps/<name>/src/<name>.manifest.ts`): nothing else lists services.
 */
export interface ServiceManifest {
  /** Also the prefix of its variables (`order` reads ORDER_PORT) and its consumer group (`order-service`). */
  name: string;
  defaultPort: number;
  /** The topics its consumer reads; none, and the service has no consumer. */
  consumes: readonly string[];
  /** The topics it publishes its events on (it owns them); dead letters aside. */
  produces?: readonly string[];
  /** Its own migrations; the library's come first, for the patterns it uses. */
  migrations: readonly MigrationClass[];
  /** Fault points of its own, besides the library's. */
  faultPoints?: readonly string[];
  patterns: ServicePatterns;
}

/** A manifest, checked by the compiler and kept as literal as written. */
export function defineService<const M extends ServiceManifest>(manifest: M): M {
  return manifest;
}

/** Environment variable prefix of a service: `order` reads ORDER_PORT, ORDER_DATABASE_URL. */
export function envPrefix(service: string): string {
  return service.toUpperCase().replaceAll('-', '_');
}

/** Consumer group of a service: one group per service, shared by all its instances. */
export function consumerGroupId(service: string): string {
  return `${service}-service`;
}
