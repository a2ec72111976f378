import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '@app/consistency';
import { MIN_SECRET_LENGTH } from '@app/consistency/tools';

/**
 * The development AUTH_JWT_SECRET: generated at random on the first `infra:up`, kept (mode 0600)
 * and reused by later runs, so tokens minted earlier stay valid across restarts.
 */
export function ensureAuthSecret(file: string): string {
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigurationError(`${file} holds no usable AUTH_JWT_SECRET; delete it and run infra:up again`);
  }
  return secret;
}
