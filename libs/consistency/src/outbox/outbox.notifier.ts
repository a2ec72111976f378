import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const CHANNEL = 'outbox_committed';
const RECONNECT_DELAY_MS = 1000;
/**
 * At most one NOTIFY per window: each is a round trip and a wake-up of every listener, and only
 * other instances need it (this process's relay is woken in-process), so under load commits share one.
 */
const NOTIFY_WINDOW_MS = 20;

/**
 * Cross-process wake-ups over LISTEN/NOTIFY. NOTIFY is sent after the business commit, from the
 * pool and throttled, because a NOTIFY inside the business transaction would take PostgreSQL's
 * global notify lock at commit and serialise every writer.
 */
export class OutboxNotifier {
  private readonly logger = new Logger(OutboxNotifier.name);
  private listener?: Client;
  private stopped = false;
  private throttled = false;
  private notifyAgain = false;
  private readonly instance = randomUUID();

  constructor(
    private readonly dataSource: DataSource,
    private readonly databaseUrl: string,
  ) {}

  notify(): void {
    if (this.throttled) {
      this.notifyAgain = true;
      return;
    }
    this.throttled = true;
    void this.dataSource
      .query('SELECT pg_notify($1, $2)', [CHANNEL, this.instance])
      .catch((error: Error) => this.logger.warn(`NOTIFY failed; relays fall back to polling: ${error.message}`))
      .finally(() => setTimeout(() => this.endWindow(), NOTIFY_WINDOW_MS).unref());
  }

  private endWindow(): void {
    this.throttled = false;
    if (this.notifyAgain && !this.stopped) {
      this.notifyAgain = false;
      this.notify();
    }
  }

  /** Calls `onNotify` for every commit announced by any process; reconnects when the link drops. */
  async listen(onNotify: () => void): Promise<void> {
    if (this.stopped) {
      return;
    }
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'outbox-listener' });
    this.listener = client;
    const reconnect = () => {
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (!this.stopped) {
        setTimeout(() => void this.listen(onNotify), RECONNECT_DELAY_MS).unref();
      }
    };
    // Our own commits already woke our relay in-process.
    client.on('notification', (notification) => {
      if (notification.payload !== this.instance) {
        onNotify();
      }
    });
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost: ${error.message}`);
      reconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // Rows committed while we were not listening are found by this wake-up.
      onNotify();
    } catch (error) {
      this.logger.warn(`LISTEN failed, retrying: ${(error as Error).message}`);
      reconnect();
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    const listener = this.listener;
    this.listener = undefined;
    listener?.removeAllListeners();
    await listener?.end().catch(() => undefined);
  }
}
