import { validateEnv } from '@app/consistency';
import { envPrefix, loadInfraEnv } from '@app/consistency/tools';
import { SERVICE_NAMES, ServiceName } from './services';
import { url } from 'envalid';
import { checkInvariants } from '@app/ops';

/** `npm run check:invariants [-- --since <ISO time>]`: prints every violation of docs/invariants.md; exit 1 if any. */
async function main(argv: string[]): Promise<number> {
  loadInfraEnv();
  const sinceArg = argv.includes('--since') ? argv[argv.indexOf('--since') + 1] : undefined;
  const since = sinceArg === undefined ? undefined : new Date(sinceArg);
  if (since && Number.isNaN(since.getTime())) {
    throw new Error(`--since takes an ISO date-time, got "${sinceArg}"`);
  }
  const urls = {} as Record<ServiceName, string>;
  for (const service of SERVICE_NAMES) {
    const variable = `${envPrefix(service)}_DATABASE_URL`;
    urls[service] = validateEnv({ [variable]: url() })[variable];
  }
  const violations = await checkInvariants(urls, { since });
  for (const violation of violations) {
    process.stdout.write(
      `invariant ${violation.invariant}: ${violation.message} (${violation.ids.length}): ${violation.ids.join(', ')}\n`,
    );
  }
  process.stdout.write(violations.length === 0 ? 'no violations\n' : `${violations.length} violation(s)\n`);
  return violations.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`check:invariants: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
