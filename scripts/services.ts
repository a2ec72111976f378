import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceManifest } from '@app/consistency';
import { REPO_ROOT } from './infra/layout';

/** A service's name, as its manifest gives it. */
export type ServiceName = string;

/**
 * An app that is no saga participant — the console: the build, the stack and docker-compose start
 * it beside the services; the saga's tools (chaos, invariants, benchmarks, migrations) never see it.
 */
export interface OperatorAppManifest {
  name: string;
  defaultPort: number;
  kind: 'console';
}

function isManifest(value: unknown): value is ServiceManifest {
  const candidate = value as Partial<ServiceManifest> | null;
  return (
    typeof candidate?.name === 'string' &&
    typeof candidate.defaultPort === 'number' &&
    Array.isArray(candidate.consumes)
  );
}

function isOperatorApp(value: unknown): value is OperatorAppManifest {
  const candidate = value as Partial<OperatorAppManifest> | null;
  return (
    typeof candidate?.name === 'string' && typeof candidate.defaultPort === 'number' && candidate.kind === 'console'
  );
}

/**
 * Every manifest of the suite (`apps/<name>/src/<name>.manifest.ts`) that passes `is`, in port
 * order: a new service is known to every tool once its app and manifest exist.
 */
function discover<M extends { defaultPort: number }>(is: (value: unknown) => value is M): M[] {
  const apps = join(REPO_ROOT, 'apps');
  return (
    readdirSync(apps)
      .map((app) => join(apps, app, 'src', `${app}.manifest.ts`))
      .filter((file) => existsSync(file))
      // A manifest is found by its file name, not listed in an import: required, not imported.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      .flatMap((file) => Object.values(require(file) as Record<string, unknown>).filter(is))
      .sort((a, b) => a.defaultPort - b.defaultPort)
  );
}

/** The saga's services. */
export const MANIFESTS: readonly ServiceManifest[] = discover(isManifest);

/** The apps beside them that only operate the suite (the console). */
export const OPERATOR_APPS: readonly OperatorAppManifest[] = discover(isOperatorApp);

export const SERVICE_NAMES: readonly ServiceName[] = MANIFESTS.map((manifest) => manifest.name);

export function manifestOf(service: ServiceName): ServiceManifest {
  const manifest = MANIFESTS.find((candidate) => candidate.name === service);
  if (!manifest) {
    throw new Error(`unknown service "${service}"; the services are ${SERVICE_NAMES.join(', ')}`);
  }
  return manifest;
}
