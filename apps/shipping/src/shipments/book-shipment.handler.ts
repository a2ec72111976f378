import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@app/contracts';
import { DistributedLock, OutboxService, SagaBarrier, TransactionHost } from '@app/consistency';
import { CarrierClient, CarrierUnavailableError } from '../carrier/carrier.client';
import { SHIPPING_OPTIONS } from '../shipping.options';
import type { ShippingOptions } from '../shipping.options';

/** The saga step shipping owns; its compensation is CancelShipmentHandler. */
export const BOOK_SHIPMENT_STEP = 'book-shipment';

/**
 * Books a shipment for reserved stock: unserved destinations fail at once; otherwise the carrier (an
 * external system) is called under `lock:shipment:<orderId>` with a fencing token, because that call
 * spans systems and no row lock covers it.
 */
@Injectable()
export class BookShipmentHandler {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
    private readonly lock: DistributedLock,
    private readonly carrier: CarrierClient,
    @Inject(SHIPPING_OPTIONS) private readonly options: ShippingOptions,
  ) {}

  async handle(event: EventEnvelope<'inventory.reserved'>): Promise<void> {
    const { orderId } = event;
    if ((await this.barrier.forward(orderId, BOOK_SHIPMENT_STEP)) !== 'run') {
      return;
    }
    const country = event.payload.shippingAddress.country.toUpperCase();
    if (!this.options.destinations.includes(country)) {
      await this.outbox.enqueue({
        type: 'shipping.failed',
        orderId,
        payload: { reason: `destination ${country} is not served` },
      });
      return;
    }
    let carrierReference: string;
    try {
      carrierReference = await this.lock.withLock(
        `lock:shipment:${orderId}`,
        { ttlMs: this.options.carrier.lockTtlMs },
        (lease) => this.carrier.book(orderId, country, lease.fencingToken),
      );
    } catch (error) {
      if (!(error instanceof CarrierUnavailableError)) {
        throw error;
      }
      await this.outbox.enqueue({ type: 'shipping.failed', orderId, payload: { reason: error.message } });
      return;
    }
    const shipmentId = randomUUID();
    await this.transactions.manager.query(
      `INSERT INTO shipments (id, order_id, customer_id, status, country, carrier_reference)
       VALUES ($1, $2, $3, 'BOOKED', $4, $5)`,
      [shipmentId, orderId, event.payload.customerId ?? null, country, carrierReference],
    );
    await this.outbox.enqueue({ type: 'shipping.scheduled', orderId, payload: { shipmentId, carrierReference } });
  }
}
