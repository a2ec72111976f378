import { bool, makeValidator, port, str, url } from 'envalid';
import {
  ConfigurationError,
  envPrefix,
  loadAuthOptions,
  nonNegativeNumber,
  parseBrokerList,
  positiveInt,
  validateEnv,
} from '@app/consistency';
import { consoleManifest } from './console.manifest';

/** The services whose databases, topics and metrics the console reads, in saga order. */
export const SAGA_SERVICES = ['order', 'inventory', 'shipping', 'notification'] as const;

export type SagaService = (typeof SAGA_SERVICES)[number];

export function isSagaService(value: string): value is SagaService {
  return (SAGA_SERVICES as readonly string[]).includes(value);
}

export interface ConsoleConfig {
  port: number;
  host: string;
  /** The console's own database: the replay audit and the index of event positions. */
  databaseUrl: string;
  /** Each service's database as the read-only role sees it. */
  readUrls: Record<SagaService, string>;
  kafkaBrokers: string[];
  auth: ReturnType<typeof loadAuthOptions>;
  /** A trace's page, `{traceId}` replaced by the 32-hex trace id. */
  traceUrlTemplate: string;
  /** Where each service answers HTTP, for its /metrics. */
  serviceUrls: Record<SagaService, string>;
  /** A partition whose committed offset has not moved for this long while messages wait is stalled. */
  stallAfterSeconds: number;
  /** Orders younger than this may still be in flight: the invariant checker leaves them out. */
  invariantSettleSeconds: number;
  /** Set the session cookie's Secure flag (behind TLS). */
  secureCookie: boolean;
}

const traceTemplate = makeValidator<string>((input) => {
  if (!input.includes('{traceId}')) {
    throw new Error('must contain {traceId}, e.g. http://localhost:16686/trace/{traceId}');
  }
  return input;
});

/** `order=http://host:3001,inventory=…`: every service once, each an http(s) URL. */
function parseServiceUrls(input: string): Record<SagaService, string> {
  const urls: Partial<Record<SagaService, string>> = {};
  for (const entry of input.split(',').map((part) => part.trim())) {
    const [service, address] = [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)];
    if (!isSagaService(service) || !/^https?:\/\/[^\s]+$/.test(address)) {
      throw new Error(`expected service=http://host:port for each of ${SAGA_SERVICES.join(', ')}`);
    }
    urls[service] = address.replace(/\/+$/, '');
  }
  const missing = SAGA_SERVICES.filter((service) => !urls[service]);
  if (missing.length > 0) {
    throw new Error(`no URL for ${missing.join(', ')}`);
  }
  return urls as Record<SagaService, string>;
}

const DEFAULT_SERVICE_URLS =
  'order=http://127.0.0.1:3001,inventory=http://127.0.0.1:3002,shipping=http://127.0.0.1:3003,notification=http://127.0.0.1:3004';

const readUrlVariable = (service: SagaService) => `CONSOLE_${envPrefix(service)}_READ_URL`;

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const clean = validateEnv(
    {
      CONSOLE_PORT: port({ default: consoleManifest.defaultPort, desc: 'HTTP port of the console' }),
      HOST: str({ default: '0.0.0.0', desc: 'interface the HTTP server binds to' }),
      CONSOLE_DATABASE_URL: url({ desc: "the console's own database (replay audit, event positions)" }),
      KAFKA_BROKERS: str({ desc: 'Kafka brokers, host:port[,host:port]' }),
      CONSOLE_TRACE_URL: traceTemplate({
        default: 'http://localhost:16686/trace/{traceId}',
        desc: 'a trace in the tracing UI; {traceId} is replaced',
      }),
      CONSOLE_SERVICE_URLS: str({ default: DEFAULT_SERVICE_URLS, desc: 'where each service answers HTTP' }),
      CONSOLE_STALL_AFTER_SECONDS: positiveInt({
        default: 30,
        desc: 'a partition not moving this long with lag is stalled',
      }),
      CONSOLE_INVARIANT_SETTLE_SECONDS: nonNegativeNumber({
        default: 120,
        desc: 'orders younger than this are left out of the periodic invariant check',
      }),
      CONSOLE_SECURE_COOKIE: bool({
        default: false,
        desc: 'mark the session cookie Secure (serve the console over TLS)',
      }),
      ...Object.fromEntries(
        SAGA_SERVICES.map((service) => [
          readUrlVariable(service),
          url({ desc: `${service} database, read-only role` }),
        ]),
      ),
    },
    env,
  );
  const kafkaBrokers = parsed('KAFKA_BROKERS', () => parseBrokerList(clean.KAFKA_BROKERS));
  const serviceUrls = parsed('CONSOLE_SERVICE_URLS', () => parseServiceUrls(clean.CONSOLE_SERVICE_URLS));
  const values = clean as unknown as Record<string, string>;
  return {
    port: clean.CONSOLE_PORT,
    host: clean.HOST,
    databaseUrl: clean.CONSOLE_DATABASE_URL,
    readUrls: Object.fromEntries(SAGA_SERVICES.map((service) => [service, values[readUrlVariable(service)]])) as Record<
      SagaService,
      string
    >,
    kafkaBrokers,
    auth: loadAuthOptions(env),
    traceUrlTemplate: clean.CONSOLE_TRACE_URL,
    serviceUrls,
    stallAfterSeconds: clean.CONSOLE_STALL_AFTER_SECONDS,
    invariantSettleSeconds: parsed('CONSOLE_INVARIANT_SETTLE_SECONDS', () => {
      if (!Number.isInteger(clean.CONSOLE_INVARIANT_SETTLE_SECONDS) || clean.CONSOLE_INVARIANT_SETTLE_SECONDS < 0) {
        throw new Error('expected a whole number of seconds, 0 or more');
      }
      return clean.CONSOLE_INVARIANT_SETTLE_SECONDS;
    }),
    secureCookie: clean.CONSOLE_SECURE_COOKIE,
  };
}

/** A variable's parsed value, or a configuration error naming it (never echoing it). */
function parsed<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigurationError(
      `Invalid configuration: ${variable} is invalid: ${(error as Error).message.replace(/"[^"]*"/g, '(value not shown)')}`,
    );
  }
}

export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
