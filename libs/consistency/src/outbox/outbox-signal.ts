import { EventEmitter } from 'node:events';

/**
 * Tells relays that outbox rows were committed: in-process at once, and to other processes
 * through the notifier (which sends NOTIFY after commit, outside the business transaction).
 */
export class OutboxSignal {
  private readonly emitter = new EventEmitter();

  committed(): void {
    this.emitter.emit('committed');
  }

  onCommitted(listener: () => void): () => void {
    this.emitter.on('committed', listener);
    return () => this.emitter.off('committed', listener);
  }
}
