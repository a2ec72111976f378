import { EventEnvelope } from '@app/contracts';

/**
 * What a service provides when its handlers lock rows that events of other orders lock too
 * (inventory's stock rows): the consumer calls `lock` with a batch's events inside the batch's
 * transaction, before any handler runs, so every batch takes its locks in one global order and two
 * partitions' batches can never deadlock. A service whose handlers touch only their own order's rows needs none.
 */
export abstract class BatchLocks {
  abstract lock(events: readonly EventEnvelope[]): Promise<void>;
}
