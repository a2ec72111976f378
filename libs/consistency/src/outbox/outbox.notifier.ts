import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const CHANNEL = 'outbox_committed';
const LISTENER_NAME = 'outbox-listener';
const RECONNECT_DELAY_MS = 1000;
/** How often a process looks for other instances' listeners; one that starts meanwhile polls until then. */
const LISTENERS_REFRESH_MS = 2000;
/**
 * At most one NOTIFY per window: each is a round trip and a wake-up of every listener, and only
 * other instances need it (this process's relay is woken in-process), so under load commits share one.
 */
const NOTIFY_WINDOW_MS = 20;

/**
 * Cross-process wake-ups over LISTEN/NOTIFY. NOTIFY is sent after the business commit, from the
 * pool and throttled, because a NOTIFY inside the business transaction would take PostgreSQL's
 * global notify lock at commit and serialise every writer; and only while another instance
 * listens on the same database: alone, the in-process wake-up is all a commit needs.
 */
export class OutboxNotifier {
  private readonly logger = new Logger(OutboxNotifier.name);
  private listener?: Client;
  private stopped = false;
  private throttled = false;
  private notifyAgain = false;
  /** Until the listener has looked, assume others listen: a wake-up too many costs less than one lost. */
  private othersListening = true;
  private refreshTimer?: NodeJS.Timeout;
  private readonly instance = randomUUID();

  constructor(
    private readonly dataSource: DataSource,
    private readonly databaseUrl: string,
  ) {}

  /** Whether, when last looked, another instance listened on this database (so commits are announced). */
  get othersListen(): boolean {
    return this.othersListening;
  }

  notify(): void {
    if (!this.othersListening) {
      return;
    }
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
    const client = new Client({ connectionString: this.databaseUrl, application_name: LISTENER_NAME });
    this.listener = client;
    const reconnect = () => {
      clearInterval(this.refreshTimer);
      this.othersListening = true;
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
      await this.refreshListeners(client);
      this.refreshTimer = setInterval(() => void this.refreshListeners(client), LISTENERS_REFRESH_MS);
      this.refreshTimer.unref();
    } catch (error) {
      this.logger.warn(`LISTEN failed, retrying: ${(error as Error).message}`);
      reconnect();
    }
  }

  /** Whether another process listens on this database; on an error, assume one does. */
  private async refreshListeners(client: Client): Promise<void> {
    try {
      const { rows } = await client.query<{ others: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()) AS others`,
        [LISTENER_NAME],
      );
      this.othersListening = rows[0].others;
    } catch {
      this.othersListening = true;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.refreshTimer);
    const listener = this.listener;
    this.listener = undefined;
    listener?.removeAllListeners();
    await listener?.end().catch(() => undefined);
  }
}
