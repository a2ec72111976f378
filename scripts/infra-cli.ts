import { ConfigurationError } from '@app/consistency';
import { infraDown, infraStatus, infraUp } from './infra/infra';
import { MissingToolError } from './infra/kafka';

const usage = 'usage: infra-cli.ts up | down | status';

async function main(command: string | undefined): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    case 'up': {
      const started = Date.now();
      await infraUp(log);
      log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down':
      await infraDown(log);
      return 0;
    case 'status': {
      const status = await infraStatus(log);
      return status.postgres && status.kafka ? 0 : 3;
    }
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof MissingToolError || error instanceof ConfigurationError;
    process.stderr.write(
      `infra: ${known || !(error instanceof Error) ? String((error as Error).message ?? error) : error.stack}\n`,
    );
    process.exit(1);
  },
);
