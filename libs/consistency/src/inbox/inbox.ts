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
 * Takes a transaction-scoped advisory lock per order in one global order (sorted keys: the sorted
 * subquery is never flattened, so the locks are taken in key order); the orders are `$1`.
 */
const LOCK_ORDERS = `SELECT pg_advisory_xact_lock(${ORDER_LOCKS}, key) FROM (
  SELECT DISTINCT hashtext(order_id) AS key FROM unnest($1::text[]) AS order_id ORDER BY key
) sorted`;

/**
 * Records that `consumer` processed these events, in the transaction of their handlers' effects,
 * and returns the ids it had not recorded before (the primary key makes a redelivery find its row;
 * an id twice is recorded once). First, in the same statement, it locks their orders (lockOrders):
 * two transactions whose events touch the same orders (batches from two topics, say) queue up at
 * this point instead of deadlocking on the orders' rows later.
 */
export async function claimInbox(
  manager: EntityManager,
  consumer: string,
  claims: readonly InboxClaim[],
): Promise<Set<string>> {
  const { rows } = await prepared<{ event_id: string }>(
    manager,
    `WITH locked AS MATERIALIZED (${LOCK_ORDERS})
     INSERT INTO inbox (consumer, event_id)
     SELECT $2, event_id FROM unnest($3::text[]) AS event_id WHERE (SELECT count(*) FROM locked) > 0
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [claims.map((claim) => claim.orderId), consumer, [...new Set(claims.map((claim) => claim.eventId))]],
  );
  return new Set(rows.map((row) => row.event_id));
}

/**
 * The order locks claimInbox takes, for a transaction outside a consumer that writes rows of
 * several orders (a worker recording a batch): it queues behind the consumer's batches touching
 * those orders, and they behind it, instead of the two deadlocking on the rows.
 */
export async function lockOrders(manager: EntityManager, orderIds: readonly string[]): Promise<void> {
  await prepared(manager, `WITH locked AS MATERIALIZED (${LOCK_ORDERS}) SELECT count(*) FROM locked`, [[...orderIds]]);
}

/** Deletes inbox rows older than the retention window (beyond it, redelivery is not expected). */
export async function purgeInbox(manager: EntityManager, retentionHours: number): Promise<number> {
  const [, deleted] = await manager.query<[unknown[], number]>(
    `DELETE FROM inbox WHERE processed_at < now() - make_interval(secs => $1)`,
    [retentionHours * 3600],
  );
  return deleted;
}
