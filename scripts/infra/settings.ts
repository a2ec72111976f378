import { port, str } from 'envalid';
import { positiveInt, validateEnv } from '@app/consistency';
import { parseBrokerList } from '@app/consistency/tools';

/**
 * What `infra:up` reads from the environment. Given KAFKA_BROKERS or a database URL it uses
 * those servers and starts nothing of that kind.
 */
export function infraSettings(env: NodeJS.ProcessEnv = process.env) {
  const clean = validateEnv(
    {
      DATABASE_URL: str({
        default: '',
        desc: 'existing PostgreSQL server (admin URL) to create the service databases on',
      }),
      KAFKA_BROKERS: str({ default: '', desc: 'existing Kafka brokers, host:port[,host:port]' }),
      INFRA_POSTGRES_PORT: port({ default: 25432, desc: 'port of the embedded PostgreSQL' }),
      INFRA_KAFKA_PORT: port({ default: 23092, desc: 'client port of the embedded Kafka broker' }),
      INFRA_KAFKA_CONTROLLER_PORT: port({ default: 23093, desc: 'KRaft controller port of the embedded broker' }),
      KAFKA_PARTITIONS: positiveInt({ default: 3, desc: 'partitions of each event topic' }),
      INFRA_KAFKA_HEAP: str({ default: '512m', desc: 'JVM heap of the embedded broker' }),
      INFRA_LOCAL_DIR: str({ default: '', desc: 'folder for embedded data, logs and infra.env (default .local)' }),
    },
    env,
  );
  return {
    externalDatabaseUrl: clean.DATABASE_URL || undefined,
    externalBrokers: clean.KAFKA_BROKERS ? parseBrokerList(clean.KAFKA_BROKERS) : undefined,
    postgresPort: clean.INFRA_POSTGRES_PORT,
    kafkaPort: clean.INFRA_KAFKA_PORT,
    kafkaControllerPort: clean.INFRA_KAFKA_CONTROLLER_PORT,
    partitions: clean.KAFKA_PARTITIONS,
    kafkaHeap: clean.INFRA_KAFKA_HEAP,
    localDir: clean.INFRA_LOCAL_DIR || undefined,
  };
}

export type InfraSettings = ReturnType<typeof infraSettings>;
