import { DataSource } from 'typeorm';
import { url } from 'envalid';
import { validateEnv } from '@app/consistency';
import {
  envPrefix,
  loadDatabaseOptions,
  loadInfraEnv,
  OutboxStore,
  ParkedOutboxRow,
  ParkedSelection,
  serviceDataSourceOptions,
} from '@app/consistency/tools';
import { SERVICE_NAMES, ServiceName } from './services';

const usage =
  'usage: npm run outbox -- list [service…] | retry <service> (--id <outbox id|event id> … | --all)\n' +
  `services: ${SERVICE_NAMES.join(', ')}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTBOX_ID = /^[1-9][0-9]{0,18}$/;

class UsageError extends Error {}

function isService(name: string): name is ServiceName {
  return (SERVICE_NAMES as string[]).includes(name);
}

/** Runs `work` on the outbox of `service`'s database (its URL from the environment or `.local/infra.env`). */
async function withStore<T>(service: ServiceName, work: (store: OutboxStore) => Promise<T>): Promise<T> {
  const variable = `${envPrefix(service)}_DATABASE_URL`;
  const databaseUrl = validateEnv({ [variable]: url() })[variable];
  const dataSource = new DataSource(
    serviceDataSourceOptions({
      databaseUrl,
      applicationName: `${service}-outbox-cli`,
      entities: [],
      migrations: [],
      limits: { ...loadDatabaseOptions(), poolSize: 1 },
    }),
  );
  try {
    await dataSource.initialize();
    return await work(new OutboxStore(dataSource));
  } catch (error) {
    throw new Error(`${service}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    if (dataSource.isInitialized) {
      await dataSource.destroy();
    }
  }
}

/** Keys and errors may carry anything a producer wrote: control and format characters are shown escaped, never sent to the terminal. */
function printable(text: string, maxLength = 200): string {
  const escaped = text.replace(/[\p{Cc}\p{Cf}]/gu, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
  return escaped.length > maxLength ? `${escaped.slice(0, maxLength)}… (${escaped.length} characters)` : escaped;
}

function age(seconds: number): string {
  if (seconds < 120) {
    return `${Math.round(seconds)}s`;
  }
  return seconds < 7200 ? `${Math.round(seconds / 60)}m` : `${Math.round(seconds / 3600)}h`;
}

function printParked(service: ServiceName, rows: ParkedOutboxRow[]): void {
  process.stdout.write(`${service}: ${rows.length} parked\n`);
  for (const row of rows) {
    process.stdout.write(
      [
        `  id=${row.id}`,
        `event=${row.eventId}`,
        `type=${printable(row.eventType)}`,
        `topic=${printable(row.topic)}`,
        `key=${printable(row.key, 80)}`,
        `attempts=${row.attempts}`,
        `refused=${row.rejections}`,
        `size=${row.bytes}`,
        `age=${age(row.ageSeconds)}`,
      ].join('  ') + `\n    error: ${printable(row.lastError ?? '-', 2000)}\n`,
    );
  }
}

async function list(services: string[]): Promise<number> {
  const unknown = services.filter((name) => !isService(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown service ${unknown.join(', ')}`);
  }
  for (const service of services.length > 0 ? services : SERVICE_NAMES) {
    printParked(service, await withStore(service, (store) => store.listParked()));
  }
  return 0;
}

/** `--id` values: outbox ids (digits) or event ids (UUIDs); anything else is refused before touching the database. */
function parseSelection(args: string[]): ParkedSelection {
  const all = args.includes('--all');
  const values = args.flatMap((arg, index) => (args[index - 1] === '--id' ? [arg] : []));
  const stray = args.filter((arg, index) => arg !== '--all' && arg !== '--id' && args[index - 1] !== '--id');
  if (stray.length > 0 || args.at(-1) === '--id') {
    throw new UsageError(`unexpected ${stray.length > 0 ? `argument ${stray.join(' ')}` : '--id without a value'}`);
  }
  if (all ? values.length > 0 : values.length === 0) {
    throw new UsageError('give either --all or one or more --id');
  }
  if (all) {
    return 'all';
  }
  const malformed = values.filter((value) => !OUTBOX_ID.test(value) && !UUID.test(value));
  if (malformed.length > 0) {
    throw new UsageError(`not an outbox id or event id: ${malformed.map((value) => printable(value, 80)).join(', ')}`);
  }
  return {
    ids: values.filter((value) => OUTBOX_ID.test(value)),
    eventIds: values.filter((value) => UUID.test(value)),
  };
}

async function retry(service: string | undefined, args: string[]): Promise<number> {
  if (service === undefined || !isService(service)) {
    throw new UsageError(service === undefined ? 'retry needs a service' : `unknown service ${printable(service, 80)}`);
  }
  const selection = parseSelection(args);
  const retried = await withStore(service, (store) => store.retryParked(selection));
  for (const row of retried) {
    process.stdout.write(`retried id=${row.id} event=${row.eventId}\n`);
  }
  process.stdout.write(`${retried.length} put back to pending; the relay publishes them at its next poll\n`);
  if (selection === 'all') {
    return 0;
  }
  const missing = [...selection.ids, ...selection.eventIds].filter(
    (value) => !retried.some((row) => row.id === value || row.eventId.toLowerCase() === value.toLowerCase()),
  );
  if (missing.length > 0) {
    process.stderr.write(`not parked in ${service}: ${missing.join(', ')}\n`);
    return 1;
  }
  return 0;
}

/** `npm run outbox -- list|retry`: the outbox rows a relay parked, and putting them back once their cause is fixed. */
async function main([command, ...args]: string[]): Promise<number> {
  loadInfraEnv();
  if (command === 'list') {
    return list(args);
  }
  if (command === 'retry') {
    return retry(args[0], args.slice(1));
  }
  throw new UsageError(command === undefined ? 'no command' : `unknown command ${printable(command, 80)}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`outbox: ${error.message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`outbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
