import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceManifest } from '@app/consistency';
import { REPO_ROOT } from './infra/layout';

/** A service's name, as its manifest gives it. */
export type ServiceName = string;

function isManifest(value: unknown): value is ServiceManifest {
  const candidate = value as Partial<ServiceManifest> | null;
  return typeof candidate?.name === 'string' && typeof candidate.defaultPort === 'number';
}

/**
 * Every service of the suite, found by its manifest (`apps/<name>/src/<name>.manifest.ts`), in
 * port order: a new service is known to every tool once its app and manifest exist.
 */
function discover(): ServiceManifest[] {
  const apps = join(REPO_ROOT, 'apps');
  return (
    readdirSync(apps)
      .map((app) => join(apps, app, 'src', `${app}.manifest.ts`))
      .filter((file) => existsSync(file))
      // A manifest is found by its file name, not listed in an import: required, not imported.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      .flatMap((file) => Object.values(require(file) as Record<string, unknown>).filter(isManifest))
      .sort((a, b) => a.defaultPort - b.defaultPort)
  );
}

export const MANIFESTS: readonly ServiceManifest[] = discover();

export const SERVICE_NAMES: readonly ServiceName[] = MANIFESTS.map((manifest) => manifest.name);

export function manifestOf(service: ServiceName): ServiceManifest {
  const manifest = MANIFESTS.find((candidate) => candidate.name === service);
  if (!manifest) {
    throw new Error(`unknown service "${service}"; the services are ${SERVICE_NAMES.join(', ')}`);
  }
  return manifest;
}
