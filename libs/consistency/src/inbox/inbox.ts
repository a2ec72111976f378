import { EntityManager } from 'typeorm';

/**
 * Records that `consumer` processed `eventId`, in the transaction of the handler's effects; the
 * primary key makes a redelivery find the row and skip. Returns false for a duplicate.
 */
export async function claimInbox(manager: EntityManager, consumer: string, eventId: string): Promise<boolean> {
  const inserted = await manager.query<unknown[]>(
    `INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, eventId],
  );
  return inserted.length === 1;
}

/** Deletes inbox rows older than the retention window (beyond it, redelivery is not expected). */
export async function purgeInbox(manager: EntityManager, retentionHours: number): Promise<number> {
  const [, deleted] = await manager.query<[unknown[], number]>(
    `DELETE FROM inbox WHERE processed_at < now() - make_interval(secs => $1)`,
    [retentionHours * 3600],
  );
  return deleted;
}

/**
 * `claimInbox` for several events in one statement: returns the ids not seen before by `consumer`
 * (an id twice in `eventIds` is claimed once).
 */
export async function claimInboxBatch(
  manager: EntityManager,
  consumer: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  const inserted = await manager.query<Array<{ event_id: string }>>(
    `INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, [...new Set(eventIds)]],
  );
  return new Set(inserted.map((row) => row.event_id));
}
