import { Injectable } from '@nestjs/common';
import { isAdmin, Principal } from '@app/consistency';
import { SAGA_SERVICES } from '../console.config';
import { ConsoleDatabases } from '../databases/console-databases';

/** An order a search term leads to, and how. */
export interface SearchMatch {
  orderId: string;
  customerId: string;
  matchedBy: 'order id' | 'Idempotency-Key' | 'correlation id' | 'event id';
}

/** Longest term searched: ids and keys are far shorter. */
export const MAX_TERM_LENGTH = 200;

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/**
 * One box for every id the on-call is handed: an order id, an Idempotency-Key (scoped by its
 * customer, so one key may lead to several orders), a correlation id or an event id — which leads
 * to its order through the outbox row that carried it, dead letters included.
 */
@Injectable()
export class SearchService {
  constructor(private readonly databases: ConsoleDatabases) {}

  async search(term: string, principal: Principal, customer?: string): Promise<SearchMatch[]> {
    const matches: Array<{ orderId: string; matchedBy: SearchMatch['matchedBy'] }> = [];
    if (UUID.test(term)) {
      const orders = await this.databases.read<{ id: string }>('order', 'SELECT id FROM orders WHERE id = $1', [term]);
      matches.push(...orders.map((row) => ({ orderId: row.id, matchedBy: 'order id' as const })));
    }
    const keys = await this.databases.read<{ order_id: string }>(
      'order',
      `SELECT response_body->>'orderId' AS order_id FROM idempotency_keys
       WHERE key = $1 AND ($2::text IS NULL OR client_id = $2) AND response_body ? 'orderId'`,
      [term, customer ?? null],
    );
    matches.push(...keys.map((row) => ({ orderId: row.order_id, matchedBy: 'Idempotency-Key' as const })));
    if (matches.length === 0) {
      for (const service of SAGA_SERVICES) {
        const rows = await this.databases.read<{ order_id: string; by_event: boolean }>(
          service,
          `SELECT DISTINCT message_key AS order_id, (event_id::text = $1 OR headers->>'event-id' = $1) AS by_event FROM outbox
           WHERE event_id::text = $1 OR headers->>'event-id' = $1 OR headers->>'correlation-id' = $1
           LIMIT 20`,
          [term],
        );
        matches.push(
          ...rows.map((row) => ({
            orderId: row.order_id,
            matchedBy: row.by_event ? ('event id' as const) : ('correlation id' as const),
          })),
        );
      }
    }
    const ids = [...new Set(matches.map((match) => match.orderId))].filter((id) => UUID.test(id));
    const owners = await this.databases.read<{ id: string; customer_id: string }>(
      'order',
      'SELECT id, customer_id FROM orders WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return owners
      .filter((owner) => isAdmin(principal) || owner.customer_id === principal.sub)
      .map((owner) => ({
        orderId: owner.id,
        customerId: owner.customer_id,
        matchedBy: matches.find((match) => match.orderId === owner.id)?.matchedBy ?? 'order id',
      }));
  }
}
