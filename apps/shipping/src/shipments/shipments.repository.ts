import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TransactionHost } from '@app/consistency';
import { IN_FLIGHT_SHIPMENT_STATUSES, ShipmentStatus } from './shipment.entity';

/** Where the event that asked for a carrier call came from, so the outcome's event continues it. */
export interface Cause {
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

/** A shipment the worker has claimed: what it needs to call the carrier and record the outcome. */
export interface ClaimedShipment {
  id: string;
  orderId: string;
  customerId: string | null;
  status: Extract<ShipmentStatus, 'BOOKING' | 'CANCELLING'>;
  country: string;
  carrierReference: string | null;
  attempts: number;
  cause: Cause;
}

interface ClaimedRow {
  id: string;
  order_id: string;
  customer_id: string | null;
  status: ClaimedShipment['status'];
  country: string;
  carrier_reference: string | null;
  attempts: number;
  caused_by: Cause;
}

/** The shipments table's SQL. Writes join the caller's transaction; claims run on their own. */
@Injectable()
export class ShipmentsRepository {
  constructor(
    private readonly transactions: TransactionHost,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Records the intent to book; the unique order index makes a second intent for one order fail. */
  async addBooking(shipment: { id: string; orderId: string; customerId?: string; country: string; cause: Cause }) {
    await this.transactions.prepared(
      `INSERT INTO shipments (id, order_id, customer_id, status, country, caused_by)
       VALUES ($1, $2, $3, 'BOOKING', $4, $5)`,
      [shipment.id, shipment.orderId, shipment.customerId ?? null, shipment.country, JSON.stringify(shipment.cause)],
    );
  }

  /** BOOKING or BOOKED becomes CANCELLING; returns whether there was anything to cancel. */
  async requestCancellation(orderId: string, cause: Cause): Promise<boolean> {
    const [rows] = await this.transactions.manager.query<[unknown[], number]>(
      `UPDATE shipments
       SET status = 'CANCELLING', caused_by = $2, attempts = 0, next_attempt_at = now(), updated_at = now()
       WHERE order_id = $1 AND status IN ('BOOKING', 'BOOKED')
       RETURNING id`,
      [orderId, JSON.stringify(cause)],
    );
    return rows.length > 0;
  }

  /**
   * Claims due shipments for `leaseMs`: pushing `next_attempt_at` ahead keeps other instances off
   * them while the carrier is called outside any transaction; a crash simply lets the claim lapse.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedShipment[]> {
    const [rows] = await this.dataSource.query<[ClaimedRow[], number]>(
      `UPDATE shipments
       SET next_attempt_at = clock_timestamp() + make_interval(secs => $1 / 1000.0), attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM shipments
         WHERE status = ANY($2) AND next_attempt_at <= clock_timestamp()
         ORDER BY next_attempt_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING id, order_id, customer_id, status, country, carrier_reference, attempts, caused_by`,
      [leaseMs, IN_FLIGHT_SHIPMENT_STATUSES, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      orderId: row.order_id,
      customerId: row.customer_id,
      status: row.status,
      country: row.country,
      carrierReference: row.carrier_reference,
      attempts: row.attempts,
      cause: row.caused_by,
    }));
  }

  /**
   * Each BOOKING shipment becomes BOOKED with its reference and fencing token, in one statement;
   * returns the ids that moved (one missing was cancelled first: the caller then cancels it).
   */
  async markBooked(
    bookings: ReadonlyArray<{ id: string; reference: string; fencingToken: string }>,
  ): Promise<Set<string>> {
    const { rows } = await this.transactions.prepared<{ id: string }>(
      `UPDATE shipments s SET status = 'BOOKED', carrier_reference = b.reference, fencing_token = b.token,
         last_error = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS b(id, reference, token)
       WHERE s.id = b.id AND s.status = 'BOOKING' RETURNING s.id`,
      [bookings.map((b) => b.id), bookings.map((b) => b.reference), bookings.map((b) => b.fencingToken)],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** BOOKING becomes FAILED; false when a cancellation came first. */
  async markFailed(id: string, reason: string): Promise<boolean> {
    return this.moved(
      `UPDATE shipments SET status = 'FAILED', failure_reason = $2, updated_at = now()
       WHERE id = $1 AND status = 'BOOKING' RETURNING id`,
      [id, reason],
    );
  }

  /** Keeps the reference of a booking made only so that it can be cancelled. */
  async recordReference(id: string, reference: string, fencingToken: string): Promise<void> {
    await this.transactions.manager.query(
      `UPDATE shipments SET carrier_reference = $2, fencing_token = $3, updated_at = now()
       WHERE id = $1 AND status = 'CANCELLING'`,
      [id, reference, fencingToken],
    );
  }

  async markCancelled(id: string): Promise<boolean> {
    return this.moved(
      `UPDATE shipments SET status = 'CANCELLED', last_error = NULL, updated_at = now()
       WHERE id = $1 AND status = 'CANCELLING' RETURNING id`,
      [id],
    );
  }

  /** A carrier call that failed and will be tried again after `delayMs`. */
  async retryLater(id: string, error: string, delayMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE shipments SET last_error = $2, next_attempt_at = clock_timestamp() + make_interval(secs => $3 / 1000.0)
       WHERE id = $1`,
      [id, error.slice(0, 2000), delayMs],
    );
  }

  private async moved(sql: string, params: unknown[]): Promise<boolean> {
    const { rowCount } = await this.transactions.prepared(sql, params);
    return (rowCount ?? 0) > 0;
  }
}
