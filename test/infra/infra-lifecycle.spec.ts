import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, deadLetterTopic } from '@app/contracts';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { runCommand } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';

/**
 * Runs `npm run infra:<command>` as a user would, on an isolated folder and ports. The ports lie
 * below Linux's ephemeral range (32768+): a server started mid-suite could otherwise find its port
 * taken by the local end of some client connection.
 */
function infra(command: 'up' | 'down' | 'status', local: string) {
  return runCommand('npm', ['run', '--silent', `infra:${command}`], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      INFRA_LOCAL_DIR: local,
      INFRA_POSTGRES_PORT: '25532',
      INFRA_KAFKA_PORT: '29192',
      INFRA_KAFKA_CONTROLLER_PORT: '29193',
      KAFKA_PARTITIONS: '2',
    },
  });
}

describe('npm run infra:up / infra:down', () => {
  const local = mkdtempSync(join(tmpdir(), 'consistency-infra-'));

  it('when only node and sh are on the PATH (no java, no mvn), then it says what to install or to use docker compose', async () => {
    const nodeOnly = mkdtempSync(join(tmpdir(), 'node-only-'));
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    symlinkSync('/bin/sh', join(nodeOnly, 'sh'));
    const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    const result = await runCommand(process.execPath, [npmCli, 'run', '--silent', 'infra:up'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PATH: [nodeOnly, join(REPO_ROOT, 'node_modules', '.bin'), '/usr/bin/nonexistent'].join(':'),
        INFRA_LOCAL_DIR: join(local, 'no-java'),
        INFRA_KAFKA_PORT: '29194',
        INFRA_KAFKA_CONTROLLER_PORT: '29195',
        // An existing database, so only the broker needs the missing tools.
        DATABASE_URL: testInfra().adminUrl,
        KAFKA_BROKERS: '',
      },
    });
    rmSync(nodeOnly, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.output).toContain('JDK 17+ and Apache Maven');
    expect(result.output).toContain('docker compose up');
  });

  it('when KAFKA_BROKERS or DATABASE_URL points at a server that does not answer, then it exits 1 naming the variable', async () => {
    const env = { ...process.env, INFRA_LOCAL_DIR: join(local, 'external') };
    const noBroker = await runCommand('npm', ['run', '--silent', 'infra:up'], {
      cwd: REPO_ROOT,
      env: { ...env, DATABASE_URL: testInfra().adminUrl, KAFKA_BROKERS: '127.0.0.1:1' },
    });
    expect(noBroker).toEqual({ code: 1, output: expect.stringContaining('KAFKA_BROKERS=127.0.0.1:1 does not answer') });
    const noDatabase = await runCommand('npm', ['run', '--silent', 'infra:up'], {
      cwd: REPO_ROOT,
      env: {
        ...env,
        DATABASE_URL: 'postgres://user:secret@127.0.0.1:1/db',
        KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      },
    });
    expect(noDatabase).toEqual({
      code: 1,
      output: expect.stringContaining('DATABASE_URL=postgres://user:***@127.0.0.1:1/db'),
    });
    expect(noDatabase.output).not.toContain('secret');
  });

  afterAll(async () => {
    await infra('down', local);
    rmSync(local, { recursive: true, force: true });
  });

  it('when started from nothing twice and stopped twice, then both servers answer, nothing is duplicated and all stops', async () => {
    const first = await infra('up', local);
    expect(first).toEqual(expect.objectContaining({ code: 0 }));
    const envFile = readFileSync(join(local, 'infra.env'), 'utf8');
    const brokerPid = readFileSync(join(local, 'kafka', 'kafka.pid'), 'utf8');

    const second = await infra('up', local);
    expect(second).toEqual(expect.objectContaining({ code: 0 }));
    expect(readFileSync(join(local, 'infra.env'), 'utf8')).toBe(envFile);
    expect(readFileSync(join(local, 'kafka', 'kafka.pid'), 'utf8')).toBe(brokerPid);

    const env = parseEnv(envFile);
    expect(env.KAFKA_BROKERS).toBe('127.0.0.1:29192');
    const client = new Client({ connectionString: env.INVENTORY_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toBe('inventory_service');

    const admin = new Kafka({
      clientId: 'lifecycle-test',
      brokers: [String(env.KAFKA_BROKERS)],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [...ALL_TOPICS] });
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(metadata.topics.map((topic) => topic.partitions.length)).toEqual(ALL_TOPICS.map(() => 2));
    expect(topics).toEqual(expect.arrayContaining(ALL_TOPICS.map(deadLetterTopic)));

    const running = await infra('status', local);
    expect(running.code).toBe(0);
    expect(running.output).toMatch(/postgres .* running/);

    expect((await infra('down', local)).output).toMatch(/kafka\s+stopped[\s\S]*postgres\s+stopped/);
    const stopped = await infra('status', local);
    expect(stopped.code).toBe(3);
    expect(stopped.output).toMatch(/postgres .* stopped[\s\S]*kafka .* stopped/);
    expect(existsSync(join(local, 'kafka', 'kafka.pid'))).toBe(false);

    expect((await infra('down', local)).output).toMatch(/kafka\s+was not running[\s\S]*postgres\s+was not running/);
  });
});
