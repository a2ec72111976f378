import { Inject, Injectable } from '@nestjs/common';
import { consumerGroupId, DeadLetterHeaders } from '@app/consistency';
import { CONSOLE_CONFIG, SAGA_SERVICES } from '../console.config';
import type { ConsoleConfig, SagaService } from '../console.config';
import { ConsoleDatabases } from '../databases/console-databases';
import { EventIndex, EventPosition } from '../events/event-index';
import type { DeadLetterEntry, EventRef, InboxEntry, OutboxEntry, Timeline, TimelineStep } from './timeline';

interface OrderRow {
  id: string;
  customer_id: string;
  status: string;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
  step_deadline_at: Date;
}

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  value: string;
  headers: Record<string, string>;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  published_at: Date | null;
}

interface EnvelopeFields {
  causationId?: string | null;
  correlationId?: string;
  payload?: { reason?: string };
}

/** What an open saga waits for in each state, and from whom. */
const WAITING: Record<string, { service: SagaService; events: string[] }> = {
  PENDING: { service: 'inventory', events: ['inventory.reserved', 'inventory.rejected'] },
  STOCK_RESERVED: { service: 'shipping', events: ['shipping.scheduled', 'shipping.failed'] },
  COMPENSATING: { service: 'inventory', events: ['inventory.released'] },
};

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

const iso = (date: Date) => date.toISOString();

function envelopeOf(value: string): EnvelopeFields {
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * One order's saga, merged from the four databases: the order and its log, every event each service
 * published (its outbox) with the event that caused it and the inbox row that proves it was
 * processed once, dead letters, the reservation, the shipment and its lock, the notifications.
 */
@Injectable()
export class TimelineService {
  constructor(
    private readonly databases: ConsoleDatabases,
    private readonly events: EventIndex,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async timeline(orderId: string): Promise<Timeline | undefined> {
    const read = this.databases.read.bind(this.databases);
    const [order] = await read<OrderRow>(
      'order',
      `SELECT id, customer_id, status, failure_reason, created_at, updated_at, step_deadline_at FROM orders WHERE id = $1`,
      [orderId],
    );
    if (!order) {
      return undefined;
    }
    const outboxSql = `SELECT id::text, event_id::text, event_type, topic, value, headers, status, attempts, last_error, created_at, published_at
                       FROM outbox WHERE message_key = $1 ORDER BY id`;
    const [sagaLog, keys, outboxes, reservation, lines, shipment, lock, notifications] = await Promise.all([
      read<{ step: string; status: string; detail: string | null; at: Date }>(
        'order',
        'SELECT step, status, detail, at FROM saga_steps WHERE order_id = $1 ORDER BY id',
        [orderId],
      ),
      read<{ client_id: string; key: string; created_at: Date }>(
        'order',
        `SELECT client_id, key, created_at FROM idempotency_keys WHERE response_body->>'orderId' = $1`,
        [orderId],
      ),
      Promise.all(SAGA_SERVICES.map((service) => read<OutboxRow>(service, outboxSql, [orderId]))),
      read<{ status: string; reason: string | null }>(
        'inventory',
        'SELECT status, reason FROM reservations WHERE order_id = $1',
        [orderId],
      ),
      read<{ sku: string; quantity: number }>(
        'inventory',
        'SELECT sku, quantity FROM reservation_lines WHERE order_id = $1 ORDER BY sku',
        [orderId],
      ),
      read<{
        id: string;
        status: string;
        carrier_reference: string | null;
        fencing_token: string | null;
        attempts: number;
        last_error: string | null;
      }>(
        'shipping',
        'SELECT id, status, carrier_reference, fencing_token::text, attempts, last_error FROM shipments WHERE order_id = $1',
        [orderId],
      ),
      read<{ owner: string; fencing_token: string; expires_at: Date }>(
        'shipping',
        'SELECT owner::text, fencing_token::text, expires_at FROM distributed_locks WHERE key = $1',
        [`lock:shipment:${orderId}`],
      ),
      read<{ outcome: string; channel: string; created_at: Date }>(
        'notification',
        'SELECT outcome, channel, created_at FROM notifications WHERE order_id = $1 ORDER BY created_at',
        [orderId],
      ),
    ]);

    const rows = SAGA_SERVICES.flatMap((service, index) => outboxes[index].map((row) => ({ service, row })));
    const isLetter = (row: OutboxRow) => row.topic.endsWith('.dlq');
    const published = new Map(rows.filter(({ row }) => !isLetter(row)).map(({ row }) => [row.event_id, row]));
    const letterOrigins = rows.filter(({ row }) => isLetter(row)).map(({ row }) => row.headers['event-id']);
    const eventIds = [...published.keys(), ...letterOrigins].filter((id): id is string => typeof id === 'string');
    const [inboxes, positions] = await Promise.all([
      Promise.all(
        SAGA_SERVICES.map((service) =>
          read<{ consumer: string; event_id: string; processed_at: Date }>(
            service,
            'SELECT consumer, event_id, processed_at FROM inbox WHERE event_id = ANY($1)',
            [eventIds],
          ),
        ),
      ),
      this.events.positions(eventIds),
    ]);
    const inboxOf = (service: SagaService, eventId: string | null | undefined): InboxEntry | undefined => {
      const row = inboxes[SAGA_SERVICES.indexOf(service)].find(
        (entry) => entry.event_id === eventId && entry.consumer === consumerGroupId(service),
      );
      return row && { service, consumer: row.consumer, eventId: row.event_id, processedAt: iso(row.processed_at) };
    };
    const refOf = (eventId: string | null | undefined): EventRef | undefined =>
      eventId ? this.eventRef(eventId, published.get(eventId), positions.get(eventId)) : undefined;
    const ofType = (type: string) => [...published.values()].find((row) => row.event_type === type)?.event_id;
    const shipmentRow = shipment[0];

    const steps: TimelineStep[] = [];
    const created = rows.find(({ row }) => row.event_type === 'order.created')?.row;
    steps.push({
      at: iso(order.created_at),
      service: 'order',
      source: 'orders',
      status: 'PLACED',
      outbox: created && this.outboxEntry('order', created),
      ...this.trace(created?.headers),
    });
    for (const { service, row } of rows) {
      if (row === created) {
        continue;
      }
      if (isLetter(row)) {
        const h = row.headers;
        steps.push({
          at: iso(row.created_at),
          service,
          source: 'dead-letter',
          status: 'DEAD-LETTERED',
          reason: `${h[DeadLetterHeaders.reason]}: ${h[DeadLetterHeaders.error]}`,
          cause: { ...refOf(h['event-id']), ...this.letterOrigin(h) },
          inbox: inboxOf(service, h['event-id']),
          outbox: this.outboxEntry(service, row),
          ...this.trace(h),
        });
        continue;
      }
      const envelope = envelopeOf(row.value);
      steps.push({
        at: iso(row.created_at),
        service,
        source: 'outbox',
        status: row.event_type,
        reason: envelope.payload?.reason,
        cause: refOf(envelope.causationId),
        inbox: inboxOf(service, envelope.causationId),
        outbox: this.outboxEntry(service, row),
        ...this.trace(row.headers),
        ...(service === 'shipping' && shipmentRow?.fencing_token ? { fencingToken: shipmentRow.fencing_token } : {}),
      });
    }
    for (const entry of sagaLog) {
      if (entry.step === 'order') {
        continue;
      }
      const causeId = entry.step === 'scanner' ? undefined : ofType(`${entry.step}.${entry.status.toLowerCase()}`);
      const cause = published.get(causeId ?? '');
      steps.push({
        at: iso(entry.at),
        service: 'order',
        source: 'saga-log',
        status: entry.step === 'scanner' ? entry.status : `recorded ${entry.step} ${entry.status}`,
        reason: entry.detail ?? undefined,
        cause: refOf(causeId),
        inbox: inboxOf('order', causeId),
        ...this.trace(cause?.headers),
      });
    }
    for (const notification of notifications) {
      const causeId = ofType(`order.${notification.outcome.toLowerCase()}`);
      steps.push({
        at: iso(notification.created_at),
        service: 'notification',
        source: 'notifications',
        status: `NOTIFIED ${notification.outcome}`,
        reason: `by ${notification.channel}`,
        cause: refOf(causeId),
        inbox: inboxOf('notification', causeId),
        ...this.trace(published.get(causeId ?? '')?.headers),
      });
    }
    steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

    const deadLetters: DeadLetterEntry[] = rows
      .filter(({ row }) => isLetter(row))
      .map(({ service, row }) => ({
        service,
        letterId: row.event_id,
        topic: row.topic,
        original: { ...refOf(row.headers['event-id']), ...this.letterOrigin(row.headers) },
        reason: row.headers[DeadLetterHeaders.reason] ?? '',
        error: row.headers[DeadLetterHeaders.error] ?? '',
        attempts: Number(row.headers[DeadLetterHeaders.attempts] ?? 0),
        consumer: row.headers[DeadLetterHeaders.consumer] ?? '',
        failedAt: row.headers[DeadLetterHeaders.failedAt] ?? iso(row.created_at),
        published: row.status === 'PUBLISHED',
      }));
    const waiting = WAITING[order.status];
    return {
      orderId: order.id,
      customerId: order.customer_id,
      status: order.status,
      failureReason: order.failure_reason,
      createdAt: iso(order.created_at),
      updatedAt: iso(order.updated_at),
      idempotencyKeys: keys.map((key) => ({ customerId: key.client_id, key: key.key, createdAt: iso(key.created_at) })),
      correlationIds: [
        ...new Set(rows.map(({ row }) => row.headers['correlation-id']).filter((id): id is string => Boolean(id))),
      ],
      steps,
      ...(reservation[0]
        ? { reservation: { status: reservation[0].status, reason: reservation[0].reason, lines } }
        : {}),
      ...(shipmentRow
        ? {
            shipment: {
              id: shipmentRow.id,
              status: shipmentRow.status,
              carrierReference: shipmentRow.carrier_reference,
              fencingToken: shipmentRow.fencing_token,
              attempts: shipmentRow.attempts,
              lastError: shipmentRow.last_error,
              ...(lock[0]
                ? {
                    lock: {
                      owner: lock[0].owner,
                      fencingToken: lock[0].fencing_token,
                      expiresAt: iso(lock[0].expires_at),
                    },
                  }
                : {}),
            },
          }
        : {}),
      deadLetters,
      ...(waiting
        ? {
            waitingFor: {
              ...waiting,
              deadlineAt: iso(order.step_deadline_at),
              secondsLeft: Math.round((order.step_deadline_at.getTime() - Date.now()) / 1000),
            },
          }
        : {}),
    };
  }

  /** The trace a traceparent names, with its link. */
  traceLink(traceId: string): string {
    return this.config.traceUrlTemplate.replace('{traceId}', traceId);
  }

  private trace(headers: Record<string, string> | undefined): { traceId?: string; traceUrl?: string } {
    const traceId = TRACEPARENT.exec(headers?.traceparent ?? '')?.[1];
    return traceId ? { traceId, traceUrl: this.traceLink(traceId) } : {};
  }

  private eventRef(id: string, row: OutboxRow | undefined, position: EventPosition | undefined): EventRef {
    return {
      id,
      ...(row ? { type: row.event_type, topic: row.topic } : {}),
      ...(position ? { topic: position.topic, partition: position.partition, offset: position.offset } : {}),
    };
  }

  /** Where a dead letter's original was consumed from, as its headers say. */
  private letterOrigin(headers: Record<string, string>): EventRef {
    return {
      id: headers['event-id'],
      type: headers['event-type'],
      topic: headers[DeadLetterHeaders.originalTopic],
      partition: Number(headers[DeadLetterHeaders.originalPartition]),
      offset: headers[DeadLetterHeaders.originalOffset],
    };
  }

  private outboxEntry(service: SagaService, row: OutboxRow): OutboxEntry {
    return {
      service,
      id: row.id,
      eventId: row.event_id,
      type: row.event_type,
      topic: row.topic,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: iso(row.created_at),
      publishedAt: row.published_at && iso(row.published_at),
    };
  }
}
