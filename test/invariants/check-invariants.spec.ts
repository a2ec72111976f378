import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { checkInvariants } from '@app/ops';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { runCommand } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';

/** The checker must be able to fail: broken states are planted, reported, then removed. */
describe('invariant checker', () => {
  const infra = testInfra();
  const urls = Object.fromEntries(SERVICE_NAMES.map((service) => [service, infra.databaseUrl(service)])) as Record<
    ServiceName,
    string
  >;
  const pending = randomUUID();
  const completed = randomUUID();
  const sku = `DRIFT-${randomUUID().slice(0, 8)}`;
  const order = new Client({ connectionString: urls.order });
  const inventory = new Client({ connectionString: urls.inventory });

  beforeAll(async () => {
    // The services may not have run yet on a fresh machine: their schemas come from their migrations.
    expect(await runCommand('npm', ['run', '--silent', 'migrate'], { cwd: REPO_ROOT })).toMatchObject({ code: 0 });
    await Promise.all([order.connect(), inventory.connect()]);
    for (const [id, status] of [
      [pending, 'PENDING'],
      [completed, 'COMPLETED'],
    ]) {
      await order.query(
        `INSERT INTO orders (id, customer_id, status, items, shipping_address) VALUES ($1, 'checker', $2, '[]', '{"country":"DE"}')`,
        [id, status],
      );
    }
    await inventory.query(`INSERT INTO stock_items (sku, available, reserved) VALUES ($1, 3, 2)`, [sku]);
  });

  afterAll(async () => {
    await order.query('DELETE FROM saga_steps WHERE order_id = ANY($1)', [[pending, completed]]);
    await order.query('DELETE FROM orders WHERE id = ANY($1)', [[pending, completed]]);
    await inventory.query('DELETE FROM stock_items WHERE sku = $1', [sku]);
    await Promise.all([order.end(), inventory.end()]);
  });

  it('when orders are stuck, effects are missing and a stock counter drifted, then each is reported with its ids', async () => {
    const violations = await checkInvariants(urls, { orderIds: [pending, completed] });
    expect(violations).toEqual(
      expect.arrayContaining([
        { invariant: 1, message: '1 accepted order(s) not COMPLETED or CANCELLED', ids: [pending] },
        { invariant: 3, message: 'not exactly one COMPLETED notification', ids: [completed] },
        { invariant: 4, message: 'COMPLETED without a booked shipment and committed stock', ids: [completed] },
        expect.objectContaining({ invariant: 2, ids: expect.arrayContaining([sku]) }),
      ]),
    );
  });

  it('when run as npm run check:invariants on a window with violations, then it lists them and exits 1', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const result = await runCommand('npm', ['run', '--silent', 'check:invariants', '--', '--since', since], {
      cwd: REPO_ROOT,
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain(pending);
    expect(result.output).toMatch(/invariant 2: reserved counter differs .*DRIFT-/);
  });
});
