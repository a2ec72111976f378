import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface NestCliConfig {
  projects: Record<string, { type: 'application' | 'library' }>;
}

/**
 * `npm run build`: every application of the Nest monorepo — each service's app, as
 * `nest generate app` registers it — in one Nest CLI run, so a new service is built without
 * editing this file.
 */
const root = join(__dirname, '..');
const { projects } = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as NestCliConfig;
const apps = Object.entries(projects)
  .filter(([, project]) => project.type === 'application')
  .map(([name]) => name);
const nest = join(root, 'node_modules', '.bin', 'nest');
const { status } = spawnSync(nest, ['build', ...apps], { cwd: root, stdio: 'inherit' });
process.exit(status ?? 1);
