import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { envPrefix, FaultAction, FaultPoint } from '@app/consistency/tools';
import { ServiceName } from '../services';
import { adminHeaders } from '../auth/auth-headers';
import { REPO_ROOT } from '../infra/layout';
import { waitFor } from '../infra/run-command';

export interface ServiceProcess {
  service: ServiceName;
  port: number;
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a built service as a real process (`node dist/apps/<svc>/main.js`), as users and tools do.
 * An `undefined` in `env` removes that variable.
 */
export async function spawnService(
  service: ServiceName,
  env: NodeJS.ProcessEnv = {},
  {
    port,
    onOutput,
    logLevel = 'warn',
    nodeArgs = [],
  }: { port?: number; onOutput?: (chunk: string) => void; logLevel?: string; nodeArgs?: string[] } = {},
): Promise<ServiceProcess> {
  port ??= await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    [`${envPrefix(service)}_PORT`]: String(port),
    // Each shipping process runs its own simulated carrier, so it needs a port of its own too.
    ...(service === 'shipping' ? { CARRIER_SIMULATOR_PORT: String(await freePort()) } : {}),
    ...env,
  };
  for (const [name, value] of Object.entries(childEnv)) {
    if (value === undefined) {
      delete childEnv[name];
    }
  }
  const child = spawn(process.execPath, [...nodeArgs, resolve(REPO_ROOT, 'dist', 'apps', service, 'main.js')], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(chunk.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    service,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** Polls `/health` until it answers 200, failing early with the logs if the process dies. */
export async function waitUntilHealthy(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  let outcome: 'healthy' | 'exited';
  try {
    outcome = await waitFor(
      `${service.service} /health`,
      async () => {
        if (service.child.exitCode !== null || service.child.signalCode !== null) {
          return 'exited';
        }
        const response = await fetch(`${service.url}/health`);
        if (response.status === 200) {
          return 'healthy';
        }
        throw new Error(`/health answered ${response.status} ${await response.text()}`);
      },
      { timeoutMs, intervalMs: 200 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${lastOutput(service)}`);
  }
  if (outcome === 'exited') {
    const how = service.child.signalCode ?? `code ${service.child.exitCode}`;
    throw new Error(`${service.service} exited (${how}) before it was healthy\n${lastOutput(service)}`);
  }
}

function lastOutput(service: ServiceProcess): string {
  return `--- last output of ${service.service} ---\n${service.output().slice(-4000)}`;
}

/**
 * Arms a fault point through a service's `/faults` control surface (the service runs with fault
 * injection on), as the development administrator.
 */
export async function armFault(baseUrl: string, point: FaultPoint, action: FaultAction): Promise<void> {
  const response = await fetch(`${baseUrl}/faults/${point}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
    body: JSON.stringify(action),
  });
  if (!response.ok) {
    throw new Error(`arming ${point} at ${baseUrl}: HTTP ${response.status} ${await response.text()}`);
  }
}
