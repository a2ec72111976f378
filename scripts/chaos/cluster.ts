import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SERVICE_NAMES, ServiceName } from '../services';
import { CarrierSimulatorServer } from '@app/carrier-simulator';
import { waitFor } from '../infra/run-command';
import { armFault, freePort, ServiceProcess, spawnService } from '../stack/service-process';
import type { FaultAction, FaultPoint } from '@app/consistency/tools';

export interface Instance {
  /** `order#1`, `order#2`, … */
  name: string;
  service: ServiceName;
  port: number;
  url: string;
  process?: ServiceProcess;
  /** Healthy and not yet seen to exit. */
  ready: boolean;
  restarts: number;
}

export interface ClusterOptions {
  instancesPerService: number;
  env?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  log: (line: string) => void;
  random?: () => number;
  /** Each instance's output is appended to `<logDir>/<service>-<n>.log` (restarts included). */
  logDir?: string;
}

const RESTART_DELAY_MS = 300;
/** As an orchestrator's liveness probe: this many failed checks in a row, a second apart, and the instance is killed. */
const LIVENESS_FAILURES_TO_KILL = 3;

/**
 * Every service several times over as real processes, under a supervisor that restarts whatever
 * exits (a SIGKILL, a crash point, a start that failed while the database was down) and kills what
 * `/health/live` says is wedged, as an orchestrator would. Instances keep their port across
 * restarts, and fault injection is on.
 */
export class Cluster {
  readonly instances: Instance[] = [];
  private stopping = false;
  private readonly held = new Set<ServiceName>();
  private readonly random: () => number;
  /** One carrier for every shipping instance, outside them, as a real external system would be. */
  private readonly carrier = new CarrierSimulatorServer({ latencyMs: 20, failureRate: 0 });
  private carrierUrl = '';

  private constructor(private readonly options: ClusterOptions) {
    this.random = options.random ?? Math.random;
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    cluster.carrierUrl = `http://127.0.0.1:${await cluster.carrier.listen(0)}`;
    for (const service of SERVICE_NAMES) {
      for (let index = 1; index <= options.instancesPerService; index++) {
        const port = await freePort();
        cluster.instances.push({
          name: `${service}#${index}`,
          service,
          port,
          url: `http://127.0.0.1:${port}`,
          ready: false,
          restarts: 0,
        });
      }
    }
    cluster.instances.forEach((instance) => cluster.launch(instance));
    await cluster.waitUntilAllReady(180_000);
    return cluster;
  }

  of(service: ServiceName): Instance[] {
    return this.instances.filter((instance) => instance.service === service);
  }

  /** A random healthy instance of the service, or undefined while none is. */
  pick(service: ServiceName): Instance | undefined {
    const ready = this.of(service).filter((instance) => instance.ready);
    return ready[Math.floor(this.random() * ready.length)];
  }

  kill(instance: Instance): void {
    instance.process?.child.kill('SIGKILL');
  }

  async arm(instance: Instance, point: FaultPoint, action: FaultAction): Promise<void> {
    await armFault(instance.url, point, action);
  }

  /** Stops every instance of a service (SIGTERM) and keeps them down until `release`. */
  async hold(service: ServiceName): Promise<void> {
    this.held.add(service);
    await Promise.all(this.of(service).map((instance) => instance.process?.stop('SIGTERM') ?? Promise.resolve(null)));
  }

  release(service: ServiceName): void {
    this.held.delete(service);
    this.of(service)
      .filter((instance) => !instance.process)
      .forEach((instance) => this.launch(instance));
  }

  async waitUntilAllReady(timeoutMs: number): Promise<void> {
    await waitFor(
      'every instance to be healthy',
      () => {
        const down = this.instances.filter((instance) => !instance.ready).map((instance) => instance.name);
        return down.length === 0 ? Promise.resolve(true) : Promise.reject(new Error(`not ready: ${down.join(', ')}`));
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.instances.map((instance) => instance.process?.stop('SIGTERM') ?? Promise.resolve(null)));
    await this.carrier.close();
  }

  private launch(instance: Instance): void {
    void spawnService(
      instance.service,
      {
        ...(instance.service === 'shipping'
          ? { CARRIER_SIMULATOR_ENABLED: 'false', CARRIER_URL: this.carrierUrl }
          : {}),
        ...this.options.env?.[instance.service],
        // Fault points exist only in processes explicitly started for development or tests.
        NODE_ENV: 'test',
        FAULT_INJECTION: 'true',
      },
      {
        port: instance.port,
        onOutput: this.options.logDir
          ? (chunk) =>
              appendFileSync(resolve(this.options.logDir ?? '', `${instance.name.replace('#', '-')}.log`), chunk)
          : undefined,
      },
    ).then(
      (process) => {
        instance.process = process;
        void process.exited.then(() => this.exited(instance, process));
        void this.watchReadiness(instance, process).then(() => this.watchLiveness(instance, process));
      },
      (error: unknown) => this.options.log(`${instance.name} could not be spawned: ${String(error)}`),
    );
  }

  private async watchReadiness(instance: Instance, process: ServiceProcess): Promise<void> {
    while (instance.process === process && !instance.ready && process.child.exitCode === null) {
      const healthy = await fetch(`${instance.url}/health`)
        .then((response) => response.status === 200)
        .catch(() => false);
      if (healthy && instance.process === process) {
        instance.ready = true;
        return;
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  private async watchLiveness(instance: Instance, process: ServiceProcess): Promise<void> {
    let failures = 0;
    while (instance.process === process && process.child.exitCode === null && !this.stopping) {
      await new Promise((done) => setTimeout(done, 1000));
      const live = await fetch(`${instance.url}/health/live`)
        .then((response) => response.status === 200)
        .catch(() => false);
      failures = live ? 0 : failures + 1;
      if (failures >= LIVENESS_FAILURES_TO_KILL && instance.process === process && !this.stopping) {
        this.options.log(`${instance.name} failed its liveness probe ${failures} times; killing it`);
        process.child.kill('SIGKILL');
        return;
      }
    }
  }

  private exited(instance: Instance, process: ServiceProcess): void {
    instance.ready = false;
    instance.process = undefined;
    if (this.stopping || this.held.has(instance.service)) {
      return;
    }
    instance.restarts++;
    const how = process.child.signalCode ?? `exit ${process.child.exitCode}`;
    // A process that exits on its own says why in its last lines; a killed one has nothing to add.
    const why = process.child.signalCode ? '' : `: ${lastLine(process.output())}`;
    this.options.log(`${instance.name} ended (${how})${why}; restarting`);
    setTimeout(() => {
      if (!this.stopping && !this.held.has(instance.service)) {
        this.launch(instance);
      }
    }, RESTART_DELAY_MS);
  }
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines[lines.length - 1]?.slice(0, 500) ?? '';
}
