import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Everything the embedded infrastructure writes lives under `.local/` (git-ignored); tests pass
 * another folder to run a second, isolated copy.
 */
export function infraLayout(local = resolve(REPO_ROOT, '.local')) {
  return {
    local,
    envFile: resolve(local, 'infra.env'),
    authSecretFile: resolve(local, 'auth-jwt-secret'),
    postgres: {
      home: resolve(local, 'postgres'),
      data: resolve(local, 'postgres', 'data'),
      log: resolve(local, 'postgres', 'postgres.log'),
      passwordFile: resolve(local, 'postgres', 'password'),
      /** One password file per service role. */
      roles: resolve(local, 'postgres', 'roles'),
    },
    kafka: {
      home: resolve(local, 'kafka'),
      libs: resolve(local, 'kafka', 'libs'),
      data: resolve(local, 'kafka', 'data'),
      config: resolve(local, 'kafka', 'server.properties'),
      log4j: resolve(local, 'kafka', 'log4j.properties'),
      log: resolve(local, 'kafka', 'server.log'),
      stdout: resolve(local, 'kafka', 'stdout.log'),
      pidFile: resolve(local, 'kafka', 'kafka.pid'),
      pom: resolve(REPO_ROOT, 'infra', 'kafka', 'pom.xml'),
    },
  };
}

export type InfraLayout = ReturnType<typeof infraLayout>;
