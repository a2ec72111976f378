import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@app/consistency';
import { MIN_SECRET_LENGTH } from '@app/consistency/tools';
import { ensureAuthSecret } from './auth-secret';

describe('ensureAuthSecret', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'auth-secret-'));
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('when no secret exists yet, then a random one is written readable by its owner only', () => {
    const file = join(folder, 'auth-jwt-secret');
    const secret = ensureAuthSecret(file);
    expect(secret.length).toBeGreaterThanOrEqual(MIN_SECRET_LENGTH);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ensureAuthSecret(join(folder, 'another'))).not.toBe(secret);
  });

  it('when the secret exists, then later runs reuse it', () => {
    const file = join(folder, 'auth-jwt-secret');
    expect(ensureAuthSecret(file)).toBe(ensureAuthSecret(file));
  });

  it('when the file holds something too short, then it is refused, naming the file', () => {
    const file = join(folder, 'auth-jwt-secret');
    writeFileSync(file, 'short\n');
    expect(() => ensureAuthSecret(file)).toThrow(ConfigurationError);
    expect(() => ensureAuthSecret(file)).toThrow(`${file} holds no usable AUTH_JWT_SECRET`);
  });
});
