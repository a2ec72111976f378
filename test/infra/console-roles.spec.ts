import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testInfra } from '../support/infra-env';

/** The console's database roles as `infra:up` creates them: it reads the services' data and can change none of it. */
describe('the console read-only role', () => {
  const infra = testInfra();
  const clients: Client[] = [];

  async function connect(url: string | undefined): Promise<Client> {
    const client = new Client({ connectionString: url });
    clients.push(client);
    await client.connect();
    return client;
  }

  afterAll(() => Promise.all(clients.map((client) => client.end())));

  it('when it reads a service database, then it may SELECT but never write', async () => {
    const reader = await connect(process.env.CONSOLE_ORDER_READ_URL);
    await expect(reader.query('SELECT count(*) FROM orders')).resolves.toBeDefined();
    await expect(reader.query(`UPDATE orders SET status = status WHERE false`)).rejects.toThrow(
      /read-only transaction/,
    );
    await reader.query('SET default_transaction_read_only = off');
    await expect(reader.query(`DELETE FROM outbox WHERE false`)).rejects.toThrow(/permission denied/);
    await expect(reader.query('CREATE TABLE console_may_not (id int)')).rejects.toThrow(/permission denied/);
  });

  it('when a later migration of the service creates a table, then the role can read it too', async () => {
    const table = `probe_${randomUUID().slice(0, 8)}`;
    const owner = await connect(infra.databaseUrl('inventory'));
    await owner.query(`CREATE TABLE ${table} (id int)`);
    try {
      const reader = await connect(process.env.CONSOLE_INVENTORY_READ_URL);
      await expect(reader.query(`SELECT * FROM ${table}`)).resolves.toEqual(expect.objectContaining({ rowCount: 0 }));
    } finally {
      await owner.query(`DROP TABLE ${table}`);
    }
  });

  it("when it tries the console's own database, then it is refused; the console's role may write there", async () => {
    const own = new URL(String(process.env.CONSOLE_DATABASE_URL));
    const readerUrl = new URL(String(process.env.CONSOLE_ORDER_READ_URL));
    readerUrl.pathname = own.pathname;
    await expect(connect(readerUrl.toString())).rejects.toThrow(/permission denied/);
    const consoleRole = await connect(own.toString());
    await expect(consoleRole.query('CREATE TEMP TABLE scratch (id int)')).resolves.toBeDefined();
  });
});
