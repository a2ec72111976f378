import 'tsconfig-paths/register';
import { infraDown } from '../../scripts/infra/infra';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_INFRA_STARTED === 'yes' && !process.env.KEEP_INFRA) {
    await infraDown((line) => process.stdout.write(`[infra] ${line}\n`));
  }
}
