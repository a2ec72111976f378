import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

interface Booking {
  reference: string;
  orderId: string;
  cancelled: boolean;
}

export interface CarrierSimulatorOptions {
  latencyMs: number;
  failureRate: number;
}

/**
 * A stand-in for an external carrier's HTTP API, with configurable latency and failure rate. Like a
 * real one it honours Idempotency-Key (a retried booking returns the same reference) and, as the
 * guarded resource, rejects a booking whose fencing token is older than one it has seen for the order.
 * Plain Node, so a test harness can run one carrier for many shipping processes.
 */
export class CarrierSimulatorServer {
  private readonly bookings = new Map<string, Booking>();
  private readonly tokens = new Map<string, bigint>();
  private server?: Server;

  constructor(private readonly options: CarrierSimulatorOptions) {}

  /** Listens on 127.0.0.1 (`port` 0 picks a free one); resolves to the port. */
  async listen(port: number): Promise<number> {
    const server = createServer((request, response) => void this.route(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) {
      const closed = new Promise((resolve) => server.close(resolve));
      // A slow simulated call must not hold the shutdown of the process that runs it.
      server.closeAllConnections();
      await closed;
    }
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { latencyMs, failureRate } = this.options;
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (Math.random() < failureRate) {
      return reply(response, 503, { error: 'carrier temporarily unavailable' });
    }
    const cancel = /^\/bookings\/([\w-]+)$/.exec(request.url ?? '');
    if (request.method === 'POST' && request.url === '/bookings') {
      return this.book(request, response);
    }
    if (request.method === 'DELETE' && cancel) {
      const booking = [...this.bookings.values()].find((candidate) => candidate.reference === cancel[1]);
      if (!booking) {
        return reply(response, 404, { error: 'no such booking' });
      }
      booking.cancelled = true;
      return reply(response, 200, booking);
    }
    return reply(response, 404, { error: 'not found' });
  }

  private async book(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const key = request.headers['idempotency-key'];
    const token = BigInt(String(request.headers['fencing-token'] ?? '0'));
    const { orderId } = JSON.parse(await body(request)) as { orderId: string };
    if (typeof key !== 'string' || !orderId) {
      return reply(response, 400, { error: 'Idempotency-Key and orderId are required' });
    }
    const newest = this.tokens.get(orderId) ?? 0n;
    if (token < newest) {
      return reply(response, 409, { error: `stale fencing token ${token} < ${newest}` });
    }
    this.tokens.set(orderId, token);
    let booking = this.bookings.get(key);
    if (!booking) {
      booking = { reference: `CARRIER-${randomUUID()}`, orderId, cancelled: false };
      this.bookings.set(key, booking);
    }
    return reply(response, 201, booking);
  }
}

function reply(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    request.on('data', (chunk: Buffer) => (data += chunk.toString()));
    request.on('end', () => resolve(data || '{}'));
    request.on('error', reject);
  });
}
