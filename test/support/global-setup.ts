import 'tsconfig-paths/register';
import { infraUp } from '../../scripts/infra/infra';
import { infraStatus } from '../../scripts/infra/infra';

/**
 * Brings up the real PostgreSQL and Kafka the integration suites talk to (reusing running ones),
 * and remembers whether it started them so teardown leaves a developer's own servers alone.
 */
export default async function globalSetup(): Promise<void> {
  const quiet = () => undefined;
  const before = await infraStatus(quiet);
  await infraUp((line) => process.stdout.write(`[infra] ${line}\n`));
  process.env.TEST_INFRA_STARTED = before.postgres && before.kafka ? '' : 'yes';
}
