import { bool, port, str, url } from 'envalid';
import { AdmissionOptions, loadAdmissionOptions } from '../admission/admission.options';
import { AuthOptions, loadAuthOptions } from '../auth/auth.options';
import { FaultAction, FaultPoint, LIBRARY_FAULT_POINTS, parseFaultPoints } from '../faults/fault-points';
import { LockOptions, loadLockOptions } from '../lock/lock.options';
import { DatabaseOptions, loadDatabaseOptions } from '../platform/database/database.options';
import { LOG_FORMATS, LogFormat } from '../platform/logging/log-options';
import { LifecycleOptions, loadLifecycleOptions } from './health/lifecycle.options';
import { HttpOptions, loadHttpOptions } from '../http/http.options';
import { IdempotencyOptions, loadIdempotencyOptions } from '../idempotency/idempotency.options';
import { ConsumerOptions, loadConsumerOptions } from '../consumer/consumer.options';
import { ConfigurationError } from '../platform/config/configuration-error';
import { loadOutboxOptions, OutboxOptions } from '../outbox/outbox.options';
import { brokerList, validateEnv } from '../platform/config/validate-env';
import { envPrefix, ServiceManifest } from './service-manifest';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What every service needs to start; service-specific settings are validated beside it. */
export interface ServiceConfig {
  service: string;
  host: string;
  port: number;
  databaseUrl: string;
  database: DatabaseOptions;
  kafkaBrokers: string[];
  nodeEnv: 'development' | 'test' | 'production';
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: LogFormat;
  outbox: OutboxOptions;
  consumer: ConsumerOptions;
  idempotency: IdempotencyOptions;
  lock: LockOptions;
  faults: FaultConfig;
  /** Whether `/docs` serves the OpenAPI description (it maps the whole API for an attacker too). */
  docs: boolean;
  auth: AuthOptions;
  http: HttpOptions;
  lifecycle: LifecycleOptions;
  admission: AdmissionOptions;
}

export interface FaultConfig {
  /** Fault points and the `/faults` control surface exist only when this is on (never in production). */
  enabled: boolean;
  /** Points armed from the start (FAULT_POINTS). */
  armed: ReadonlyMap<FaultPoint, FaultAction>;
}

/**
 * Fault points can SIGKILL the process on request, so they exist only where someone asked for a
 * development or test process in so many words: an unset NODE_ENV does not count.
 */
function loadFaults(env: NodeJS.ProcessEnv, points: readonly FaultPoint[]): FaultConfig {
  const { FAULT_INJECTION, FAULT_POINTS } = validateEnv(
    {
      FAULT_INJECTION: bool({ default: false, desc: 'switch on fault points and /faults (development and test only)' }),
      FAULT_POINTS: str({ default: '', desc: 'faults armed at start: point:crash|throw|delay:<ms>, comma-separated' }),
    },
    env,
  );
  let armed: ReadonlyMap<FaultPoint, FaultAction>;
  try {
    armed = parseFaultPoints(FAULT_POINTS, points);
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: FAULT_POINTS is invalid: ${(error as Error).message}`);
  }
  const enabled = FAULT_INJECTION || armed.size > 0;
  if (enabled && env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test') {
    const variable = FAULT_INJECTION ? 'FAULT_INJECTION' : 'FAULT_POINTS';
    throw new ConfigurationError(
      `Invalid configuration: ${variable} is invalid: fault injection needs NODE_ENV set to development or test ` +
        `(it is ${env.NODE_ENV ? `"${env.NODE_ENV}"` : 'unset'})`,
    );
  }
  return { enabled, armed };
}

/** The fault points a service's process has: the library's and its own. */
export function faultPointsOf(manifest: ServiceManifest): FaultPoint[] {
  return [...LIBRARY_FAULT_POINTS, ...(manifest.faultPoints ?? [])];
}

/** Validates everything a service needs before anything connects; a bad variable stops it, named. */
export function loadServiceConfig(manifest: ServiceManifest, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const service = manifest.name;
  const prefix = envPrefix(service);
  const portVar = `${prefix}_PORT`;
  const databaseVar = `${prefix}_DATABASE_URL`;
  const clean = validateEnv(
    {
      [portVar]: port({ default: manifest.defaultPort, desc: `HTTP port of the ${service} service` }),
      [databaseVar]: url({ desc: `PostgreSQL URL of the ${service} database` }),
      HOST: str({ default: '0.0.0.0', desc: 'interface the HTTP servers bind to' }),
      KAFKA_BROKERS: brokerList({ desc: 'Kafka bootstrap servers, host:port[,host:port]' }),
      NODE_ENV: str({ choices: ['development', 'test', 'production'] as const, default: 'development' }),
      LOG_LEVEL: str({ choices: LOG_LEVELS, default: 'info' }),
      OTEL_EXPORTER_OTLP_ENDPOINT: url({
        default: undefined,
        desc: 'OTLP/HTTP endpoint spans are exported to (unset: no tracing)',
      }),
      LOG_FORMAT: str({
        choices: LOG_FORMATS,
        default: undefined,
        desc: 'json, or pretty (coloured, one line per entry) for people; default: pretty on a terminal',
      }),
      HTTP_DOCS_ENABLED: bool({
        default: undefined,
        desc: 'serve the OpenAPI description at /docs (default: not in production)',
      }),
    },
    env,
  );
  return {
    service,
    host: clean.HOST,
    port: clean[portVar] as number,
    databaseUrl: clean[databaseVar] as string,
    database: loadDatabaseOptions(env),
    kafkaBrokers: clean.KAFKA_BROKERS,
    nodeEnv: clean.NODE_ENV,
    logLevel: clean.LOG_LEVEL,
    logFormat: clean.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    outbox: loadOutboxOptions(env),
    consumer: loadConsumerOptions(env),
    idempotency: loadIdempotencyOptions(env),
    lock: loadLockOptions(env),
    faults: loadFaults(env, faultPointsOf(manifest)),
    docs: clean.HTTP_DOCS_ENABLED ?? clean.NODE_ENV !== 'production',
    auth: loadAuthOptions(env),
    http: loadHttpOptions(env),
    lifecycle: loadLifecycleOptions(env),
    admission: loadAdmissionOptions(env),
  };
}
