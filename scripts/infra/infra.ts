import { mkdirSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '@app/consistency';
import { envPrefix } from '@app/consistency/tools';
import { ServiceName } from '../services';
import { ensureAuthSecret } from './auth-secret';
import { infraLayout, InfraLayout } from './layout';
import { brokerAnswers, kafkaPid, KAFKA_VERSION, startEmbeddedKafka, stopEmbeddedKafka } from './kafka';
import {
  ConsoleDatabaseUrls,
  createConsoleDatabases,
  createServiceDatabases,
  embeddedPostgresRunning,
  ping,
  startEmbeddedPostgres,
  stopEmbeddedPostgres,
} from './postgres';
import { infraSettings, InfraSettings } from './settings';
import { createTopics } from './topics';

export interface InfraEndpoints {
  /** The server's admin URL, for tools that create databases of their own. */
  adminUrl: string;
  databaseUrls: Record<ServiceName, string>;
  /** The console's own database and its read-only view of the service databases. */
  console: ConsoleDatabaseUrls;
  kafkaBrokers: string[];
  topics: string[];
  started: { postgres: boolean; kafka: boolean };
}

type Log = (line: string) => void;

/**
 * Starts (or reuses) PostgreSQL and Kafka, creates databases and topics, writes `.local/infra.env`
 * (with the development AUTH_JWT_SECRET).
 */
export async function infraUp(
  log: Log,
  settings: InfraSettings = infraSettings(),
  layout: InfraLayout = infraLayout(settings.localDir),
): Promise<InfraEndpoints> {
  mkdirSync(layout.local, { recursive: true });
  const [adminUrl, kafkaBrokers] = await Promise.all([
    settings.externalDatabaseUrl
      ? external('DATABASE_URL', redact(settings.externalDatabaseUrl), ping(settings.externalDatabaseUrl)).then(
          () => settings.externalDatabaseUrl as string,
        )
      : startEmbeddedPostgres(layout, settings.postgresPort),
    settings.externalBrokers
      ? external('KAFKA_BROKERS', settings.externalBrokers.join(','), brokerAnswers(settings.externalBrokers)).then(
          () => settings.externalBrokers as string[],
        )
      : startEmbeddedKafka(
          layout,
          { client: settings.kafkaPort, controller: settings.kafkaControllerPort },
          settings.kafkaHeap,
        ),
  ]);
  log(`postgres  ${settings.externalDatabaseUrl ? 'external' : 'embedded'}  ${redact(adminUrl)}`);
  log(`kafka     ${settings.externalBrokers ? 'external' : `embedded ${KAFKA_VERSION}`}  ${kafkaBrokers.join(',')}`);
  const [databaseUrls, topics] = await Promise.all([
    createServiceDatabases(adminUrl, layout),
    createTopics(kafkaBrokers, settings.partitions),
  ]);
  const consoleUrls = await createConsoleDatabases(adminUrl, layout, databaseUrls);
  log(
    `databases ${[...Object.values(databaseUrls), consoleUrls.databaseUrl]
      .map((url) => new URL(url).pathname.slice(1))
      .join(', ')} (the console reads the services' as ${new URL(Object.values(consoleUrls.readUrls)[0]).username})`,
  );
  log(`topics    ${topics.join(', ')} (${settings.partitions} partitions)`);
  writeEnvFile(layout, adminUrl, databaseUrls, consoleUrls, kafkaBrokers, ensureAuthSecret(layout.authSecretFile));
  log(`wrote     ${layout.envFile}`);
  return {
    adminUrl,
    databaseUrls,
    console: consoleUrls,
    kafkaBrokers,
    topics,
    started: { postgres: !settings.externalDatabaseUrl, kafka: !settings.externalBrokers },
  };
}

/** An external server that does not answer is a configuration error: name the variable. */
async function external(variable: string, value: string, answers: Promise<unknown>): Promise<void> {
  try {
    await answers;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(
      `${variable}=${value} does not answer (${cause}); unset it to use the embedded server`,
    );
  }
}

/** Stops what `infraUp` started; external servers are never touched. */
export async function infraDown(
  log: Log,
  settings: InfraSettings = infraSettings(),
  layout: InfraLayout = infraLayout(settings.localDir),
): Promise<void> {
  const [kafkaStopped, postgresStopped] = await Promise.all([stopEmbeddedKafka(layout), stopEmbeddedPostgres(layout)]);
  log(`kafka     ${kafkaStopped ? 'stopped' : 'was not running'}`);
  log(`postgres  ${postgresStopped ? 'stopped' : 'was not running'}`);
}

export async function infraStatus(
  log: Log,
  settings: InfraSettings = infraSettings(),
  layout: InfraLayout = infraLayout(settings.localDir),
): Promise<{ postgres: boolean; kafka: boolean }> {
  const postgres = settings.externalDatabaseUrl
    ? await ping(settings.externalDatabaseUrl).catch(() => false as const)
    : await embeddedPostgresRunning(layout);
  const brokers = settings.externalBrokers ?? [`127.0.0.1:${settings.kafkaPort}`];
  const kafkaUp = await brokerAnswers(brokers).catch(() => false as const);
  const pid = kafkaPid(layout);
  log(
    `postgres  ${settings.externalDatabaseUrl ? 'external' : 'embedded'}  ${postgres ? 'running' : 'stopped'}  ` +
      (settings.externalDatabaseUrl ? redact(settings.externalDatabaseUrl) : `127.0.0.1:${settings.postgresPort}`),
  );
  log(
    `kafka     ${settings.externalBrokers ? 'external' : `embedded ${KAFKA_VERSION}`}  ${kafkaUp ? 'running' : 'stopped'}  ` +
      `${brokers.join(',')}${pid ? `  pid ${pid}` : ''}`,
  );
  return { postgres: postgres === true, kafka: kafkaUp === true };
}

function writeEnvFile(
  layout: InfraLayout,
  adminUrl: string,
  databaseUrls: Record<ServiceName, string>,
  consoleUrls: ConsoleDatabaseUrls,
  kafkaBrokers: string[],
  authSecret: string,
): void {
  const lines = [
    '# Written by `npm run infra:up`; services read it at start. Variables set in the environment win.',
    `POSTGRES_ADMIN_URL=${adminUrl}`,
    ...Object.entries(databaseUrls).map(([service, url]) => `${envPrefix(service)}_DATABASE_URL=${url}`),
    `CONSOLE_DATABASE_URL=${consoleUrls.databaseUrl}`,
    ...Object.entries(consoleUrls.readUrls).map(([service, url]) => `CONSOLE_${envPrefix(service)}_READ_URL=${url}`),
    `KAFKA_BROKERS=${kafkaBrokers.join(',')}`,
    `AUTH_JWT_SECRET=${authSecret}`,
    '',
  ];
  writeFileSync(layout.envFile, lines.join('\n'), { mode: 0o600 });
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) {
    parsed.password = '***';
  }
  return parsed.toString();
}
