import { Client } from 'pg';
import { ServiceName } from '../../scripts/services';
import { spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

/** Unsafe configuration stops the process before it serves anything, naming what is wrong and nothing secret. */
describe('production configuration', () => {
  const infra = testInfra();

  it.each<[string, ServiceName, NodeJS.ProcessEnv, string]>([
    [
      'fault injection in production',
      'order',
      { NODE_ENV: 'production', FAULT_INJECTION: 'true' },
      'FAULT_INJECTION is invalid',
    ],
    [
      'fault points without an explicit development or test NODE_ENV',
      'order',
      { NODE_ENV: undefined, FAULT_POINTS: 'outbox.after-publish-before-mark:crash' },
      'FAULT_POINTS is invalid: fault injection needs NODE_ENV set to development or test (it is unset)',
    ],
    [
      'no carrier URL in production',
      'shipping',
      { NODE_ENV: 'production', CARRIER_URL: undefined },
      'CARRIER_URL is required',
    ],
    [
      'the simulated carrier in production',
      'shipping',
      { NODE_ENV: 'production', CARRIER_URL: 'https://carrier.example', CARRIER_SIMULATOR_ENABLED: 'true' },
      'CARRIER_SIMULATOR_ENABLED is invalid',
    ],
    [
      'a shipment lease shorter than the carrier calls it guards',
      'shipping',
      { SHIPMENT_LOCK_TTL_MS: '1000', CARRIER_ATTEMPTS: '3', CARRIER_TIMEOUT_MS: '2000' },
      'SHIPMENT_LOCK_TTL_MS is invalid',
    ],
    [
      'a shipment lease over the lock cap',
      'shipping',
      { SHIPMENT_LOCK_TTL_MS: '90000', LOCK_MAX_TTL_MS: '60000' },
      'over LOCK_MAX_TTL_MS',
    ],
    ['a lock cap of zero', 'inventory', { LOCK_MAX_TTL_MS: '0' }, 'LOCK_MAX_TTL_MS is invalid'],
    [
      'an unbounded statement timeout',
      'inventory',
      { DB_STATEMENT_TIMEOUT_MS: '0' },
      'DB_STATEMENT_TIMEOUT_MS is invalid',
    ],
  ])('when %s is configured, then %s refuses to start and names it', async (_case, service, env, message) => {
    const running = await spawnService(service, env);
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain(message);
  });

  it('when a database URL is malformed, then the error names it without its password', async () => {
    const running = await spawnService('notification', {
      NOTIFICATION_DATABASE_URL: 'postgres://notification:very-secret-password@db host:5432/x',
    });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('NOTIFICATION_DATABASE_URL is invalid');
    expect(running.output()).not.toContain('very-secret-password');
  });

  it('when a service runs in production, then /docs is not served', async () => {
    const running = await spawnService('notification', { NODE_ENV: 'production' });
    try {
      await waitUntilHealthy(running);
      expect((await fetch(`${running.url}/docs`)).status).toBe(404);
      expect((await fetch(`${running.url}/docs-json`)).status).toBe(404);
    } finally {
      await running.stop();
    }
  });

  it("when a service's credentials are used on another service's database, then PostgreSQL refuses them", async () => {
    const own = new URL(infra.databaseUrl('order'));
    const other = new URL(infra.databaseUrl('inventory'));
    own.pathname = other.pathname;
    const client = new Client({ connectionString: own.toString() });
    await expect(client.connect()).rejects.toThrow(/permission denied for database/);
    await client.end().catch(() => undefined);
  });
});
