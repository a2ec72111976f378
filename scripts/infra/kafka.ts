import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { InfraLayout } from './layout';
import { GiveUpWaiting, runCommand, waitFor } from './run-command';

/** The broker version the embedded infrastructure runs; kept in step with infra/kafka/pom.xml. */
export const KAFKA_VERSION = '3.9.1';

export interface KafkaPorts {
  client: number;
  controller: number;
}

export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

async function requireTool(command: string, args: string[], what: string): Promise<void> {
  const probe = await runCommand(command, args).catch(() => ({ code: -1, output: '' }));
  if (probe.code !== 0) {
    throw new MissingToolError(
      `${what} was not found (\`${command} ${args.join(' ')}\` failed). The embedded Kafka broker needs ` +
        'a JDK 17+ and Apache Maven (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven). ' +
        'Alternatively run the suite with `docker compose up`, or point KAFKA_BROKERS at an existing broker.',
    );
  }
}

function jarsResolved(layout: InfraLayout): boolean {
  return existsSync(layout.kafka.libs) && readdirSync(layout.kafka.libs).includes(`kafka_2.13-${KAFKA_VERSION}.jar`);
}

/** Resolves the broker's jars from Maven Central into `.local/kafka/libs` (once). */
export async function resolveKafkaJars(layout: InfraLayout): Promise<void> {
  if (jarsResolved(layout)) {
    return;
  }
  await requireTool('java', ['-version'], 'Java');
  await requireTool('mvn', ['-v'], 'Maven');
  rmSync(layout.kafka.libs, { recursive: true, force: true });
  const resolved = await runCommand('mvn', [
    '-q',
    '-B',
    '-f',
    layout.kafka.pom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${layout.kafka.libs}`,
  ]);
  if (resolved.code !== 0 || !jarsResolved(layout)) {
    throw new Error(`Maven could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION}:\n${resolved.output}`);
  }
}

/** Loopback-only single-node KRaft broker tuned for fast tests; topics are created explicitly. */
function serverProperties(layout: InfraLayout, ports: KafkaPorts): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.client},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.client}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${layout.kafka.data}`,
    'auto.create.topics.enable=false',
    'num.partitions=3',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    'num.network.threads=2',
    'num.io.threads=4',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

function log4jProperties(layout: InfraLayout): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${layout.kafka.log}`,
    'log4j.appender.file.MaxFileSize=20MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=INFO',
    'log4j.logger.org.apache.kafka=INFO',
    '',
  ].join('\n');
}

function javaArgs(layout: InfraLayout, heap: string, mainClass: string, args: string[]): string[] {
  return [
    `-Xmx${heap}`,
    `-Xms${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${layout.kafka.log4j}`,
    '-cp',
    `${layout.kafka.libs}/*`,
    mainClass,
    ...args,
  ];
}

/** A KRaft cluster id is 16 random bytes, base64url without padding. */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

async function formatStorage(layout: InfraLayout): Promise<void> {
  if (existsSync(`${layout.kafka.data}/meta.properties`)) {
    return;
  }
  const formatted = await runCommand(
    'java',
    // Attached with '=': an id may start with '-', which the tool would otherwise read as an option.
    javaArgs(layout, '256m', 'kafka.tools.StorageTool', [
      'format',
      `--cluster-id=${newClusterId()}`,
      '-c',
      layout.kafka.config,
    ]),
  );
  if (formatted.code !== 0) {
    throw new Error(`Kafka storage format failed:\n${formatted.output}`);
  }
}

export function kafkaPid(layout: InfraLayout): number | undefined {
  if (!existsSync(layout.kafka.pidFile)) {
    return undefined;
  }
  const pid = Number(readFileSync(layout.kafka.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && processAlive(pid) ? pid : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The end of the broker's own output and log, where a failed start says why. */
function logTail(layout: InfraLayout, lines = 20): string {
  return [layout.kafka.stdout, layout.kafka.log]
    .filter((file) => existsSync(file))
    .map((file) => `--- ${file}\n${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}

export async function brokerAnswers(brokers: string[]): Promise<true> {
  const admin = new Kafka({
    clientId: 'infra-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Starts the embedded broker detached (jars, config and storage prepared first); harmless when running. */
export async function startEmbeddedKafka(layout: InfraLayout, ports: KafkaPorts, heap: string): Promise<string[]> {
  const brokers = [`127.0.0.1:${ports.client}`];
  if (kafkaPid(layout) === undefined) {
    await resolveKafkaJars(layout);
    mkdirSync(layout.kafka.data, { recursive: true });
    writeFileSync(layout.kafka.config, serverProperties(layout, ports));
    writeFileSync(layout.kafka.log4j, log4jProperties(layout));
    await formatStorage(layout);
    const out = openSync(layout.kafka.stdout, 'a');
    const child = spawn('java', javaArgs(layout, heap, 'kafka.Kafka', [layout.kafka.config]), {
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    if (child.pid === undefined) {
      throw new Error('could not spawn java for the Kafka broker');
    }
    writeFileSync(layout.kafka.pidFile, String(child.pid));
    child.unref();
  }
  await waitFor(
    `the Kafka broker on ${brokers.join(',')} (log: ${layout.kafka.log})`,
    async () => {
      if (kafkaPid(layout) === undefined) {
        throw new GiveUpWaiting('the broker process exited');
      }
      return brokerAnswers(brokers);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${logTail(layout)}`);
  });
  return brokers;
}

/** Controlled shutdown (SIGTERM), escalating to SIGKILL if the broker hangs. */
export async function stopEmbeddedKafka(layout: InfraLayout, { timeoutMs = 30_000 } = {}): Promise<boolean> {
  const pid = kafkaPid(layout);
  if (pid === undefined) {
    rmSync(layout.kafka.pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor('the Kafka broker to exit', () => Promise.resolve(processAlive(pid) ? undefined : true), {
      timeoutMs,
    });
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor('the Kafka broker to die', () => Promise.resolve(processAlive(pid) ? undefined : true), {
      timeoutMs: 5000,
    });
  }
  rmSync(layout.kafka.pidFile, { force: true });
  return true;
}
