import { envPrefix, loadInfraEnv, parseBrokerList } from '@app/consistency/tools';
import { ServiceName } from '../../scripts/services';
import { infraLayout } from '../../scripts/infra/layout';

export interface TestInfra {
  kafkaBrokers: string[];
  databaseUrl(service: ServiceName): string;
  adminUrl: string;
}

/** Addresses of the servers global setup brought up, read from `.local/infra.env` into process.env. */
export function testInfra(): TestInfra {
  process.env.INFRA_ENV_FILE ??= infraLayout().envFile;
  loadInfraEnv(process.env);
  const required = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(`${name} is not set: did the integration global setup run?`);
    }
    return value;
  };
  return {
    kafkaBrokers: parseBrokerList(required('KAFKA_BROKERS')),
    databaseUrl: (service) => required(`${envPrefix(service)}_DATABASE_URL`),
    adminUrl: required('POSTGRES_ADMIN_URL'),
  };
}
