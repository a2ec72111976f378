import { Inject, Injectable } from '@nestjs/common';
import { envelopeProblem, EventEnvelope, EventType, payloadProblem } from '@app/contracts';
import { TransactionHost } from '../transaction/transaction-host';
import { TransactionBuffer } from '../transaction/transaction-buffer';
import { OUTBOX_OPTIONS } from './outbox.module-definition';
import { OUTBOX_SIGNAL } from './outbox.tokens';
import type { OutboxOptions } from './outbox.options';
import { EventTooLargeError, InvalidEventError, messageBytes, OutboxMessage } from './outbox-message';
import { NewEvent, toOutboxMessage } from './event-envelope';
import { laneOf } from './lane';
import { currentMessage } from '../platform/message-context';
import { currentRequest } from '../platform/request-context';
import { SpanKind, startSpan } from '../platform/tracing';
import { OutboxSignal } from './outbox-signal';
import { prepared } from '../platform/database/prepared';

/**
 * How long a row written for this process's relay to send right after commit is kept from the other
 * relays: far longer than a send takes, short enough that a crash delays its events only briefly.
 */
const COMMITTED_ROW_HOLD_MS = 5000;

/** Where business code puts the events its transaction announces; relays alone publish them. */
@Injectable()
export class OutboxService {
  private readonly wakeRelays = () => this.signal.committed();
  /** Messages enqueued by each open transaction, written together just before it commits. */
  private readonly buffered: TransactionBuffer<OutboxMessage>;

  constructor(
    private readonly transactions: TransactionHost,
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxOptions,
    @Inject(OUTBOX_SIGNAL) private readonly signal: OutboxSignal,
  ) {
    this.buffered = new TransactionBuffer(transactions, (rows) => this.insert(rows));
  }

  /**
   * Writes a saga event into the outbox in the caller's transaction. Inside a Kafka handler the
   * event inherits the handled event's correlation id, trace and request id, and names it as its
   * cause; inside an HTTP request, the request's trace and X-Request-ID. An event
   * its consumers would have to dead-letter is refused here, so a bug can never publish one.
   */
  async enqueue<T extends EventType>(event: NewEvent<T>): Promise<EventEnvelope<T>> {
    const cause = currentMessage();
    const request = currentRequest();
    // The event travels with this span's context: its consumers' spans become the span's children.
    const span = startSpan(`enqueue ${event.type}`, {
      kind: SpanKind.PRODUCER,
      parent: event.traceparent ?? (cause ? cause.traceparent : request?.traceparent),
      attributes: { 'event.type': event.type, 'order.id': event.orderId },
    });
    span.end();
    const { envelope, message } = toOutboxMessage({
      correlationId: cause?.envelope.correlationId,
      causationId: cause?.envelope.id,
      requestId: cause ? cause.requestId : request?.requestId,
      ...event,
      traceparent: span.traceparent,
    });
    const problem = envelopeProblem(envelope) ?? payloadProblem(envelope.type, envelope.payload);
    if (problem) {
      throw new InvalidEventError(`refusing to enqueue ${envelope.type} for order ${envelope.orderId}: ${problem}`);
    }
    await this.enqueueMessage(message);
    return envelope;
  }

  /**
   * Writes any keyed message into the outbox in the caller's transaction. The rows of one
   * transaction go in one multi-row INSERT just before its commit, in the order they were enqueued.
   */
  enqueueMessage(message: OutboxMessage): Promise<void> {
    // A promise even though nothing is awaited here: callers await it, and a refusal rejects it.
    return new Promise((resolve) => {
      this.buffer(message);
      resolve();
    });
  }

  private buffer(message: OutboxMessage): void {
    const size = messageBytes(message);
    if (size > this.options.maxMessageBytes) {
      throw new EventTooLargeError(
        `${message.eventType} ${message.eventId} is ${size} bytes, over the ${this.options.maxMessageBytes}-byte limit ` +
          '(OUTBOX_MAX_MESSAGE_BYTES); store large data elsewhere and reference it from the event',
      );
    }
    this.buffered.add(message);
  }

  /**
   * One statement for the rows of a transaction. When this process's relay sends committed rows
   * itself, a row is held for it (`retry_at` a few seconds ahead: other relays, and later rows of its
   * key, leave it alone meanwhile) and handed over after the commit when nothing is pending in its
   * lane — so nothing of its key is, and one probe of the lane's index tells — and no row of its key
   * is parked. The relays are woken only for the other rows; under load, when lanes hold pending
   * rows, their rounds take over and batch. A holder that dies lets the hold lapse, and any relay
   * publishes the row then.
   */
  private async insert(rows: OutboxMessage[]): Promise<void> {
    const hold = this.signal.publishesAfterCommit;
    const { rows: written } = await prepared<{ id: string; event_id: string; created_ms: number; held: boolean }>(
      this.transactions.manager,
      `INSERT INTO outbox (event_id, event_type, topic, message_key, lane, value, headers, retry_at)
       SELECT m.*, CASE WHEN $8 AND NOT EXISTS (
           SELECT 1 FROM outbox o WHERE o.lane = m.lane AND o.status = 'PENDING'
         ) AND NOT EXISTS (
           SELECT 1 FROM outbox o WHERE o.message_key = m.message_key AND o.status = 'PARKED'
         ) THEN clock_timestamp() + make_interval(secs => $9 / 1000.0) END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::jsonb[])
         AS m(event_id, event_type, topic, message_key, lane, value, headers)
       RETURNING id, event_id, extract(epoch FROM created_at)::float8 * 1000 AS created_ms, retry_at IS NOT NULL AS held`,
      [
        rows.map((row) => row.eventId),
        rows.map((row) => row.eventType),
        rows.map((row) => row.topic),
        rows.map((row) => row.key),
        rows.map((row) => laneOf(row.key)),
        rows.map((row) => row.value),
        rows.map((row) => JSON.stringify(row.headers)),
        hold,
        COMMITTED_ROW_HOLD_MS,
      ],
    );
    const byEventId = new Map(rows.map((row) => [row.eventId, row]));
    const held = written
      .filter((row) => row.held)
      .map(({ id, event_id, created_ms }) => ({
        ...byEventId.get(event_id)!,
        id,
        createdAtMs: created_ms,
        rejections: 0,
      }))
      // In id order, which is the order the relay keeps for a key.
      .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
    if (held.length > 0) {
      this.transactions.afterCommit(() => this.signal.committedHeld(held));
    }
    if (held.length < rows.length) {
      this.transactions.afterCommit(this.wakeRelays);
    }
  }
}
