import { SERVICE_NAMES } from '../../scripts/services';
import { spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

const services = SERVICE_NAMES;

describe('service processes', () => {
  testInfra();

  it.each(services)(
    'when %s starts against the embedded infra, then /health reports database and kafka up',
    async (service) => {
      const running = await spawnService(service);
      try {
        await waitUntilHealthy(running);
        const health = (await (await fetch(`${running.url}/health`)).json()) as {
          status: string;
          details: Record<string, { status: string }>;
        };
        expect(health.status).toBe('ok');
        expect(health.details.database.status).toBe('up');
        expect(health.details.kafka.status).toBe('up');
      } finally {
        expect(await running.stop('SIGTERM')).toBe(0);
      }
    },
  );

  it.each(services)('when %s gets a malformed port, then it exits non-zero naming the variable', async (service) => {
    const prefix = service.toUpperCase();
    const running = await spawnService(service, { [`${prefix}_PORT`]: 'not-a-port' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain(`${prefix}_PORT is invalid`);
  });

  it('when KAFKA_BROKERS is malformed, then the service refuses to start and says so', async () => {
    const running = await spawnService('order', { KAFKA_BROKERS: 'localhost' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('KAFKA_BROKERS is invalid');
  });

  it('when its database URL is missing, then the service refuses to start and names it', async () => {
    const running = await spawnService('inventory', {
      INVENTORY_DATABASE_URL: undefined,
      INFRA_ENV_FILE: '/nonexistent',
    });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('INVENTORY_DATABASE_URL is required but not set');
  });

  it('when neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set, then the service refuses to start and names both', async () => {
    const running = await spawnService('order', { AUTH_JWT_SECRET: undefined, INFRA_ENV_FILE: '/nonexistent' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('AUTH_JWT_SECRET or AUTH_JWKS_URL is required but neither is set');
  });

  it('when AUTH_JWT_SECRET is too short, then the service refuses to start without printing it', async () => {
    const secret = 'too-short-to-sign-anything';
    const running = await spawnService('shipping', { AUTH_JWT_SECRET: secret });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('AUTH_JWT_SECRET is invalid: must be at least 32 characters');
    expect(running.output()).not.toContain(secret);
  });
});
