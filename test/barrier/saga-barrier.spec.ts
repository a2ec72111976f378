import { randomUUID } from 'node:crypto';
import { SagaBarrier } from '@app/consistency';
import { testInfra } from '../support/infra-env';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';

describe('saga barrier', () => {
  const infra = testInfra();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: OutboxTestApp;
  let barrier: SagaBarrier;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'barrier');
    app = await startOutboxApp(database.url, infra.kafkaBrokers, { OUTBOX_RELAY_ENABLED: 'false' });
    barrier = app.app.get(SagaBarrier);
  });

  afterAll(async () => {
    await app?.app.close();
    await database?.drop();
  });

  const inTransaction = <T>(work: () => Promise<T>) => app.transactions.run(work);
  const forward = (saga: string) => inTransaction(() => barrier.forward(saga, 'reserve'));
  const compensate = (saga: string) => inTransaction(() => barrier.compensate(saga, 'reserve'));

  it('when the forward step is delivered twice, then it runs once', async () => {
    const saga = randomUUID();
    expect([await forward(saga), await forward(saga)]).toEqual(['run', 'duplicate']);
  });

  it('when the forward step ran, then its compensation runs once however often it arrives', async () => {
    const saga = randomUUID();
    await forward(saga);
    expect([await compensate(saga), await compensate(saga), await compensate(saga)]).toEqual([
      'run',
      'duplicate',
      'duplicate',
    ]);
  });

  it('when a compensation arrives for a step that never ran, then it is a recorded null compensation', async () => {
    const saga = randomUUID();
    expect(await compensate(saga)).toBe('null-compensation');
    const rows = await app.dataSource.query<Array<{ operation: string; origin: string }>>(
      'SELECT operation, origin FROM saga_barrier WHERE saga_id = $1 ORDER BY operation',
      [saga],
    );
    expect(rows).toEqual([
      { operation: 'compensate', origin: 'compensate' },
      { operation: 'forward', origin: 'compensate' },
    ]);
  });

  it('when the forward step arrives after its compensation (hanging), then it does not run', async () => {
    const saga = randomUUID();
    await compensate(saga);
    expect(await forward(saga)).toBe('hanging');
  });

  it('when a forward step and its compensation race in two transactions, then exactly one consistent pair wins', async () => {
    for (let round = 0; round < 20; round++) {
      const saga = randomUUID();
      const [f, c] = await Promise.all([forward(saga), compensate(saga)]);
      expect([
        ['run', 'run'],
        ['hanging', 'null-compensation'],
      ]).toContainEqual([f, c]);
    }
  });

  it('when a forward step rolls back, then a later delivery may still run it', async () => {
    const saga = randomUUID();
    await expect(
      inTransaction(async () => {
        await barrier.forward(saga, 'reserve');
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await forward(saga)).toBe('run');
  });
});
