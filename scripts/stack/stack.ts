import { envPrefix } from '@app/consistency/tools';
import { manifestOf, OPERATOR_APPS, SERVICE_NAMES, ServiceName } from '../services';
import { infraDown, infraStatus, infraUp } from '../infra/infra';
import { ServiceProcess, spawnService, waitUntilHealthy } from './service-process';

export interface Stack {
  services: Record<ServiceName, ServiceProcess>;
  /** The apps that operate the suite (the console), started once the services are healthy. */
  operatorApps: Record<string, ServiceProcess>;
  url(service: ServiceName): string;
  /** Stops one service with `signal` and starts it again on its port; resolves once it is spawned. */
  restart(service: ServiceName, signal: NodeJS.Signals): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export interface StackOptions {
  log: (line: string) => void;
  /** Receives each service's (and operator app's) output; omitted, output is only kept in memory. */
  onServiceOutput?: (service: ServiceName, chunk: string) => void;
  /** Start the operator apps (the console) too; off for the benchmarks, which measure the saga alone. */
  operatorApps?: boolean;
  logLevel?: string;
  /** Extra `node` options for every service, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/**
 * Brings up the infrastructure (reusing running servers), the four services on their default ports
 * and, when asked, the console; `stop` ends them and whatever infrastructure this call started.
 */
export async function startStack({
  log,
  onServiceOutput,
  logLevel = 'info',
  nodeArgs,
  operatorApps = false,
}: StackOptions): Promise<Stack> {
  const quiet = () => undefined;
  const before = await infraStatus(quiet);
  await infraUp(log);
  const startedInfra = !(before.postgres && before.kafka);
  const spawn = (service: ServiceName) =>
    spawnService(
      service,
      {},
      {
        port: manifestOf(service).defaultPort,
        logLevel,
        nodeArgs,
        onOutput: onServiceOutput && ((chunk) => onServiceOutput(service, chunk)),
      },
    );
  const running = await Promise.all(SERVICE_NAMES.map(spawn));
  const services = Object.fromEntries(running.map((service) => [service.service, service])) as Stack['services'];
  const restart = async (service: ServiceName, signal: NodeJS.Signals) => {
    await services[service].stop(signal);
    services[service] = await spawn(service);
    return services[service];
  };
  const apps: Record<string, ServiceProcess> = {};
  const stop = async () => {
    for (const [name, app] of Object.entries(apps)) {
      log(`${name.padEnd(12)} stopped (exit ${await app.stop('SIGTERM')})`);
    }
    const codes = await Promise.all(SERVICE_NAMES.map((service) => services[service].stop('SIGTERM')));
    SERVICE_NAMES.forEach((service, index) => log(`${service.padEnd(12)} stopped (exit ${codes[index]})`));
    if (startedInfra) {
      await infraDown(log);
    }
  };
  try {
    await Promise.all(running.map((service) => waitUntilHealthy(service)));
  } catch (error) {
    await stop();
    throw error;
  }
  for (const service of running) {
    log(`${service.service.padEnd(12)} ${service.url} healthy`);
  }
  // The console scrapes the services' /metrics where they actually listen.
  const serviceUrls = SERVICE_NAMES.map((service) => `${service}=${services[service].url}`).join(',');
  for (const app of operatorApps ? OPERATOR_APPS : []) {
    apps[app.name] = await spawnService(
      app.name,
      { [`${envPrefix(app.name)}_SERVICE_URLS`]: serviceUrls },
      {
        port: app.defaultPort,
        logLevel,
        nodeArgs,
        onOutput: onServiceOutput && ((chunk) => onServiceOutput(app.name, chunk)),
      },
    );
    try {
      await waitUntilHealthy(apps[app.name]);
    } catch (error) {
      await stop();
      throw error;
    }
    log(`${app.name.padEnd(12)} ${apps[app.name].url} healthy`);
  }
  return { services, operatorApps: apps, url: (service) => services[service].url, restart, stop };
}
