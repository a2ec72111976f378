import { EventEnvelope } from '@app/contracts';
import { claimInbox } from '../inbox/inbox';
import { TransactionHost } from '../transaction/transaction-host';
import { BatchLocks } from './batch-locks';

export type BatchOutcome = 'processed' | 'duplicate';

/** A handler of the batch failed: the batch rolled back, and this is the entry whose handler threw. */
export class BatchEntryError<T> extends Error {
  override readonly name = 'BatchEntryError';

  constructor(
    readonly entry: T,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export interface BatchTransaction<T extends { envelope: EventEnvelope }> {
  transactions: TransactionHost;
  groupId: string;
  locks?: BatchLocks;
  /** Runs one entry's handler, inside the batch's transaction. */
  handle: (entry: T) => Promise<void>;
}

/**
 * Handles admitted messages of one partition in one transaction: their orders locked and their inbox
 * rows in one statement (an event already recorded, or twice in the batch, is a duplicate), the
 * service's batch locks,
 * then each new event's handler in partition order; the outbox rows they enqueue go in one statement
 * at commit. Any error rolls all of it back and propagates (a handler's wrapped in BatchEntryError,
 * naming its entry): the caller then handles the messages one per transaction, so one bad message
 * never costs its neighbours.
 */
export function handleInOneTransaction<T extends { envelope: EventEnvelope }>(
  entries: readonly T[],
  { transactions, groupId, locks, handle }: BatchTransaction<T>,
): Promise<BatchOutcome[]> {
  return transactions.run(async () => {
    const fresh = await claimInbox(
      transactions.manager,
      groupId,
      entries.map(({ envelope }) => ({ eventId: envelope.id, orderId: envelope.orderId })),
    );
    const todo = entries.filter(({ envelope }) => fresh.has(envelope.id));
    if (locks && todo.length > 0) {
      await locks.lock(todo.map(({ envelope }) => envelope));
    }
    const outcomes: BatchOutcome[] = [];
    for (const entry of entries) {
      // Deleting marks the id handled, so a second copy later in the batch is a duplicate.
      if (!fresh.delete(entry.envelope.id)) {
        outcomes.push('duplicate');
        continue;
      }
      try {
        await handle(entry);
      } catch (error) {
        throw new BatchEntryError(entry, error);
      }
      outcomes.push('processed');
    }
    return outcomes;
  });
}
