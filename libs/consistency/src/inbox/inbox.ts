import { EntityManager } from 'typeorm';
import { prepared } from '../platform/database/prepared';

/** An event to record as processed, and the order (saga) whose rows its handler touches. */
export interface InboxClaim {
  eventId: string;
  orderId: string;
}

/**
 * Advisory lock namespace of the orders a consumer transaction handles (the two-key form, so it
 * never meets a single-key advisory lock taken elsewhere).
 */
const ORDER_LOCKS = 0x0c0de;

/**
 * Records that `consumer` processed these events, in the transaction of their handlers' effects,
 * and returns the ids it had not recorded before (the primary key makes a redelivery find its row;
 * an id twice is recorded once). First, in the same statement, it takes a transaction-scoped lock
 * per order, in one global order: two transactions whose events touch the same orders (batches from
 * two topics, say) queue up at this point instead of deadlocking on the orders' rows later.
 */
export async function claimInbox(
  manager: EntityManager,
  consumer: string,
  claims: readonly InboxClaim[],
): Promise<Set<string>> {
  // The sorted subquery is never flattened (it has ORDER BY), so the locks are taken in key order.
  const { rows } = await prepared<{ event_id: string }>(
    manager,
    `WITH locked AS MATERIALIZED (
       SELECT pg_advisory_xact_lock($3, key) FROM (
         SELECT DISTINCT hashtext(order_id) AS key FROM unnest($4::text[]) AS order_id ORDER BY key
       ) sorted
     )
     INSERT INTO inbox (consumer, event_id)
     SELECT $1, event_id FROM unnest($2::text[]) AS event_id WHERE (SELECT count(*) FROM locked) > 0
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, [...new Set(claims.map((claim) => claim.eventId))], ORDER_LOCKS, claims.map((claim) => claim.orderId)],
  );
  return new Set(rows.map((row) => row.event_id));
}

/** Deletes inbox rows older than the retention window (beyond it, redelivery is not expected). */
export async function purgeInbox(manager: EntityManager, retentionHours: number): Promise<number> {
  const [, deleted] = await manager.query<[unknown[], number]>(
    `DELETE FROM inbox WHERE processed_at < now() - make_interval(secs => $1)`,
    [retentionHours * 3600],
  );
  return deleted;
}
