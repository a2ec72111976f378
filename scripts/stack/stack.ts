import { manifestOf, SERVICE_NAMES, ServiceName } from '../services';
import { infraDown, infraStatus, infraUp } from '../infra/infra';
import { ServiceProcess, spawnService, waitUntilHealthy } from './service-process';

export interface Stack {
  services: Record<ServiceName, ServiceProcess>;
  url(service: ServiceName): string;
  /** Stops one service with `signal` and starts it again on its port; resolves once it is spawned. */
  restart(service: ServiceName, signal: NodeJS.Signals): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export interface StackOptions {
  log: (line: string) => void;
  /** Receives each service's output; omitted, output is only kept in memory. */
  onServiceOutput?: (service: ServiceName, chunk: string) => void;
  logLevel?: string;
  /** Extra `node` options for every service, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/**
 * Brings up the infrastructure (reusing running servers) and the four services on their default
 * ports; `stop` ends the services and whatever infrastructure this call started.
 */
export async function startStack({ log, onServiceOutput, logLevel = 'info', nodeArgs }: StackOptions): Promise<Stack> {
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
  const stop = async () => {
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
  return { services, url: (service) => services[service].url, restart, stop };
}
