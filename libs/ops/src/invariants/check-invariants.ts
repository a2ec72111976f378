import { Client } from 'pg';
/** A service's name, as its manifest gives it. */
type ServiceName = string;

export interface Violation {
  /** The invariant of docs/invariants.md that does not hold. */
  invariant: 1 | 2 | 3 | 4;
  message: string;
  ids: string[];
}

export interface InvariantScope {
  /** Only orders created at or after this instant (other work may still be in flight before it). */
  since?: Date;
  /** Only these orders. */
  orderIds?: string[];
}

type Databases = Record<ServiceName, Client>;

interface OrderRow {
  id: string;
  status: string;
}

/**
 * Reads the four service databases and reports every violation of docs/invariants.md (invariants
 * 1–4) for the orders in scope, plus the stock counters, which are global. Run it once the flow
 * has quiesced: an order still in flight is reported under invariant 1.
 */
export async function checkInvariants(databaseUrls: Record<ServiceName, string>, scope: InvariantScope = {}) {
  const databases = {} as Databases;
  for (const [service, url] of Object.entries(databaseUrls)) {
    databases[service] = new Client({ connectionString: url, application_name: 'invariant-checker' });
    await databases[service].connect();
  }
  try {
    const orders = await ordersInScope(databases.order, scope);
    const ids = orders.map((order) => order.id);
    return [
      ...notTerminal(orders),
      ...(await stockCounters(databases.inventory)),
      ...(await effectsPerOrder(databases, orders, ids)),
    ];
  } finally {
    await Promise.all(Object.values(databases).map((client) => client.end()));
  }
}

async function ordersInScope(order: Client, scope: InvariantScope): Promise<OrderRow[]> {
  const { rows } = await order.query<OrderRow>(
    `SELECT id, status FROM orders
     WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::uuid[] IS NULL OR id = ANY($2))`,
    [scope.since ?? null, scope.orderIds ?? null],
  );
  return rows;
}

function notTerminal(orders: OrderRow[]): Violation[] {
  const open = orders.filter((order) => order.status !== 'COMPLETED' && order.status !== 'CANCELLED');
  return open.length === 0
    ? []
    : [
        {
          invariant: 1,
          message: `${open.length} accepted order(s) not COMPLETED or CANCELLED`,
          ids: open.map((o) => o.id),
        },
      ];
}

/** No oversell, and the reserved counter equals the lines still held (nothing leaks or doubles). */
async function stockCounters(inventory: Client): Promise<Violation[]> {
  const violations: Violation[] = [];
  const negative = await inventory.query<{ sku: string }>(
    'SELECT sku FROM stock_items WHERE available < 0 OR reserved < 0',
  );
  if (negative.rows.length > 0) {
    violations.push({ invariant: 2, message: 'stock below zero', ids: negative.rows.map((row) => row.sku) });
  }
  const drift = await inventory.query<{ sku: string }>(
    `SELECT s.sku FROM stock_items s
     LEFT JOIN (
       SELECT l.sku, sum(l.quantity) AS held FROM reservation_lines l
       JOIN reservations r ON r.order_id = l.order_id AND r.status = 'RESERVED'
       GROUP BY l.sku) h ON h.sku = s.sku
     WHERE s.reserved <> coalesce(h.held, 0)`,
  );
  if (drift.rows.length > 0) {
    violations.push({
      invariant: 2,
      message: 'reserved counter differs from the reservation lines held',
      ids: drift.rows.map((row) => row.sku),
    });
  }
  return violations;
}

async function effectsPerOrder(databases: Databases, orders: OrderRow[], ids: string[]): Promise<Violation[]> {
  const [reservations, shipments, notifications] = await Promise.all([
    databases.inventory.query<{ order_id: string; status: string }>(
      'SELECT order_id, status FROM reservations WHERE order_id = ANY($1)',
      [ids],
    ),
    databases.shipping.query<{ order_id: string; status: string }>(
      'SELECT order_id, status FROM shipments WHERE order_id = ANY($1)',
      [ids],
    ),
    databases.notification.query<{ order_id: string; outcome: string }>(
      'SELECT order_id, outcome FROM notifications WHERE order_id = ANY($1)',
      [ids],
    ),
  ]);
  const group = <T extends { order_id: string }>(rows: T[]) => {
    const byOrder = new Map<string, T[]>();
    rows.forEach((row) => byOrder.set(row.order_id, [...(byOrder.get(row.order_id) ?? []), row]));
    return byOrder;
  };
  const [reservationsOf, shipmentsOf, notificationsOf] = [
    group(reservations.rows),
    group(shipments.rows),
    group(notifications.rows),
  ];
  const found: Array<[Violation['invariant'], string, string]> = [];
  for (const order of orders.filter((o) => o.status === 'COMPLETED' || o.status === 'CANCELLED')) {
    const sent = notificationsOf.get(order.id) ?? [];
    if (sent.length !== 1 || sent[0].outcome !== order.status) {
      found.push([3, `not exactly one ${order.status} notification`, order.id]);
    }
    if ((shipmentsOf.get(order.id) ?? []).length > 1) {
      found.push([3, 'more than one shipment', order.id]);
    }
    const booked = (shipmentsOf.get(order.id) ?? []).filter((shipment) => shipment.status === 'BOOKED');
    // A shipment still being booked or cancelled may yet hold a booking at the carrier.
    const active = (shipmentsOf.get(order.id) ?? []).filter((shipment) =>
      ['BOOKING', 'BOOKED', 'CANCELLING'].includes(shipment.status),
    );
    const holds = (reservationsOf.get(order.id) ?? []).filter(
      (r) => r.status === 'RESERVED' || r.status === 'COMMITTED',
    );
    if (order.status === 'COMPLETED' && (booked.length !== 1 || holds[0]?.status !== 'COMMITTED')) {
      found.push([4, 'COMPLETED without a booked shipment and committed stock', order.id]);
    }
    if (order.status === 'CANCELLED' && (active.length > 0 || holds.length > 0)) {
      found.push([4, 'CANCELLED but still holds stock or an active shipment', order.id]);
    }
  }
  const byMessage = new Map<string, Violation>();
  for (const [invariant, message, id] of found) {
    const violation = byMessage.get(message) ?? { invariant, message, ids: [] };
    violation.ids.push(id);
    byMessage.set(message, violation);
  }
  return [...byMessage.values()];
}

/**
 * Runs `check` until it finds nothing or `deadline` (epoch ms) passes, and returns what it found
 * last: after faults stop, the suite needs time to settle, and only what outlasts it is a violation.
 */
export async function violationsOnceSettled(
  check: () => Promise<Violation[]>,
  deadline: number,
  intervalMs = 500,
): Promise<Violation[]> {
  for (;;) {
    const violations = await check();
    if (violations.length === 0 || Date.now() > deadline) {
      return violations;
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}
