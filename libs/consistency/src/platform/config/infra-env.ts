import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** Where `npm run infra:up` writes the addresses of what it started. */
export const INFRA_ENV_FILE = '.local/infra.env';

/**
 * Reads `.local/infra.env` (or `$INFRA_ENV_FILE`) into `env` when present, so
 * `node dist/apps/<svc>/main.js` finds the embedded servers; variables already set win.
 */
export function loadInfraEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = resolve(env.INFRA_ENV_FILE ?? INFRA_ENV_FILE);
  if (!existsSync(file)) {
    return undefined;
  }
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    env[name] ??= value;
  }
  return file;
}
