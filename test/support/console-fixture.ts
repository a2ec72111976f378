import { randomUUID } from 'node:crypto';
import { adminHeaders, authHeaders } from '../../scripts/auth/auth-headers';
import { postOrder, putStock } from '../../scripts/http/saga-requests';
import { waitFor } from '../../scripts/infra/run-command';
import { SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { armFault, ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';

/** Consumer attempts before a message is dead-lettered, in the fixture's services. */
export const MAX_ATTEMPTS = 2;

const serviceEnv: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {
  // A stuck saga stays stuck for the whole suite: the scanner must not cancel it.
  order: {
    SAGA_STEP_TIMEOUT_MS: String(10 * 60_000),
    FAULT_INJECTION: 'true',
    CONSUMER_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    CONSUMER_RETRY_BASE_MS: '50',
  },
  shipping: { CARRIER_RETRY_BASE_MS: '50' },
};

export interface PlacedOrder {
  orderId: string;
  key: string;
  customer: string;
}

/** The four services and the console as real processes on the embedded infrastructure. */
export class ConsoleStack {
  readonly services = new Map<ServiceName, ServiceProcess>();
  console?: ServiceProcess;
  readonly sku = `CONSOLE-${randomUUID().slice(0, 8)}`;

  url(service: ServiceName): string {
    return this.services.get(service)?.url ?? '';
  }

  get consoleUrl(): string {
    return this.console?.url ?? '';
  }

  async start(consoleEnv: NodeJS.ProcessEnv = {}): Promise<this> {
    await Promise.all(SERVICE_NAMES.map((service) => this.startService(service)));
    this.console = await spawnService('console', {
      CONSOLE_SERVICE_URLS: SERVICE_NAMES.map((service) => `${service}=${this.url(service)}`).join(','),
      ...consoleEnv,
    });
    await waitUntilHealthy(this.console);
    await putStock(this.url('inventory'), this.sku, 1000);
    return this;
  }

  async startService(service: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const process = await spawnService(service, { ...serviceEnv[service], ...env });
    this.services.set(service, process);
    await waitUntilHealthy(process);
  }

  async stopService(service: ServiceName): Promise<void> {
    await this.services.get(service)?.stop();
    this.services.delete(service);
  }

  async stop(): Promise<void> {
    await this.console?.stop();
    await Promise.all([...this.services.keys()].map((service) => this.stopService(service)));
  }

  async place(quantity: number, country = 'DE'): Promise<PlacedOrder> {
    const key = randomUUID();
    const customer = `console-${randomUUID().slice(0, 8)}`;
    const response = await postOrder(this.url('order'), customer, { sku: this.sku, quantity, country, key });
    if (response.status !== 202) {
      throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
    }
    const { orderId } = (await response.json()) as { orderId: string };
    return { orderId, key, customer };
  }

  async orderStatus(orderId: string): Promise<string> {
    const response = await fetch(`${this.url('order')}/orders/${orderId}`, { headers: await adminHeaders() });
    return ((await response.json()) as { status: string }).status;
  }

  async untilStatus(orderId: string, status: string): Promise<void> {
    await waitFor(
      `order ${orderId} ${status}`,
      async () => ((await this.orderStatus(orderId)) === status ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
  }

  /**
   * An order whose inventory.rejected the order service dead-letters: its cancellation throws on
   * every attempt (a fault armed for exactly those attempts), so the saga stays open.
   */
  async placeDeadLettered(): Promise<PlacedOrder> {
    await armFault(this.url('order'), 'saga.before-compensation-publish', { kind: 'throw', times: MAX_ATTEMPTS });
    return this.place(5000);
  }

  /** Waits until the order service has written the order's dead letter (read through the console). */
  async untilDeadLettered(orderId: string): Promise<void> {
    await waitFor(
      `a dead letter for ${orderId}`,
      async () => {
        const response = await this.consoleGet(`/api/orders/${orderId}/timeline`);
        const { deadLetters } = (await response.json()) as { deadLetters: unknown[] };
        return deadLetters.length > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  /** Replays the order's dead letter through the console's API (dry run, then replay). */
  async replayDeadLetterOf(orderId: string, topic = 'inventory.events'): Promise<void> {
    const letters = (await (await this.consoleGet(`/api/dead-letters/${topic}`)).json()) as Array<{
      orderId: string;
      position: string;
    }>;
    const selection = {
      select: 'positions',
      position: letters.filter((l) => l.orderId === orderId).map((l) => l.position),
    };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${this.consoleUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
        body: JSON.stringify(body),
      });
      if (response.status !== 200) {
        throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
      }
      return (await response.json()) as { digest: string };
    };
    const { digest } = await post(`/api/dead-letters/${topic}/dry-run`, selection);
    await post(`/api/dead-letters/${topic}/replay`, { ...selection, digest });
  }

  /** GET on the console as `who` (admin by default). */
  async consoleGet(path: string, who: { authorization: string } | undefined = undefined): Promise<Response> {
    return fetch(`${this.consoleUrl}${path}`, { headers: who ?? (await adminHeaders()), redirect: 'manual' });
  }

  adminHeaders(): Promise<{ authorization: string }> {
    return adminHeaders();
  }

  customerHeaders(customer: string): Promise<{ authorization: string }> {
    return authHeaders(customer);
  }
}
