import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay, FaultInjector } from '@app/consistency';
import { SHIPPING_OPTIONS } from '../shipping.options';
import type { ShippingOptions } from '../shipping.options';

export class CarrierUnavailableError extends Error {
  override readonly name: string = 'CarrierUnavailableError';
}

/** The carrier answered with a 4xx: retrying the same request cannot help. */
export class CarrierRejectedError extends CarrierUnavailableError {
  override readonly name = 'CarrierRejectedError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the carrier with an idempotency key per order, retrying with backoff and jitter. */
@Injectable()
export class CarrierClient {
  private readonly logger = new Logger(CarrierClient.name);

  constructor(
    @Inject(SHIPPING_OPTIONS) private readonly options: ShippingOptions,
    private readonly faults: FaultInjector,
  ) {}

  /** `signal` ends the call (and its retries) early, e.g. when the service shuts down. */
  async book(orderId: string, country: string, fencingToken: string, signal?: AbortSignal): Promise<string> {
    const booking = await this.call<{ reference: string }>(
      'POST',
      '/bookings',
      signal,
      { orderId, country },
      {
        'idempotency-key': `shipment-${orderId}`,
        'fencing-token': fencingToken,
      },
    );
    return booking.reference;
  }

  /** Idempotent: a booking the carrier does not know (404) has nothing left to cancel. */
  async cancel(reference: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.call('DELETE', `/bookings/${encodeURIComponent(reference)}`, signal);
    } catch (error) {
      if (!(error instanceof CarrierRejectedError && error.status === 404)) {
        throw error;
      }
    }
  }

  private async call<T>(
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const { url, attempts, retryBaseMs, timeoutMs } = this.options.carrier;
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: payload === undefined ? undefined : JSON.stringify(payload),
          signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
        });
        if (response.ok) {
          const answer = (await response.json()) as T;
          // The carrier has acted; losing its answer here is the timeout its idempotency key is for.
          await this.faults.hit('shipping.carrier-timeout');
          return answer;
        }
        last = `HTTP ${response.status}: ${await response.text()}`;
        if (response.status < 500) {
          throw new CarrierRejectedError(response.status, `carrier ${method} ${path} rejected: ${last}`);
        }
      } catch (error) {
        if (error instanceof CarrierRejectedError || signal?.aborted) {
          throw error;
        }
        last = (error as Error).message;
      }
      if (attempt < attempts) {
        const delay = backoffDelay(attempt, { baseMs: retryBaseMs, maxMs: timeoutMs });
        this.logger.warn(`carrier ${method} ${path} failed (${last}); retry ${attempt + 1}/${attempts} in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    throw new CarrierUnavailableError(`carrier ${method} ${path} failed after ${attempts} attempt(s): ${last}`);
  }
}
