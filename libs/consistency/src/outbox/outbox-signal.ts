import { EventEmitter } from 'node:events';
import { PendingOutboxRow } from './outbox-message';

/** A relay of this process that sends committed rows itself, right after their commit. */
export interface CommittedRowsPublisher {
  /** False while the broker is in trouble: rows are then left to the relay's rounds, not held. */
  ready(): boolean;
  publish(rows: PendingOutboxRow[]): void;
}

/**
 * Tells relays that outbox rows were committed: in-process at once, and to other processes
 * through the notifier (which sends NOTIFY after commit, outside the business transaction). Rows a
 * writer held for this process (OutboxService) go straight to its relay's publisher instead.
 */
export class OutboxSignal {
  private readonly emitter = new EventEmitter();
  private publisher?: CommittedRowsPublisher;

  committed(): void {
    this.emitter.emit('committed');
  }

  onCommitted(listener: () => void): () => void {
    this.emitter.on('committed', listener);
    return () => this.emitter.off('committed', listener);
  }

  /** Whether rows committed now can be held for this process's relay to send right after the commit. */
  get publishesAfterCommit(): boolean {
    return this.publisher?.ready() ?? false;
  }

  /** The relay offers to send committed rows itself; returns the withdrawal. */
  publishAfterCommit(publisher: CommittedRowsPublisher): () => void {
    this.publisher = publisher;
    return () => {
      if (this.publisher === publisher) {
        this.publisher = undefined;
      }
    };
  }

  /**
   * Rows a transaction committed held for this process. Without a publisher any more (the relay
   * stopped in between) they wait out their hold, and then any relay publishes them.
   */
  committedHeld(rows: PendingOutboxRow[]): void {
    this.publisher?.publish(rows);
  }
}
