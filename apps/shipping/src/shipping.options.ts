import { ConfigurationError, codeList, positiveInt, ServiceConfig, validateEnv } from '@app/consistency';
import { bool, EnvError, makeValidator, port, url } from 'envalid';

export interface ShippingOptions {
  /** Countries the carrier serves; AQ is never among the defaults, so it exercises compensation. */
  destinations: string[];
  carrier: {
    url: string;
    attempts: number;
    retryBaseMs: number;
    timeoutMs: number;
    /** Lease of `lock:shipment:<orderId>` while calling the carrier; must cover its SLA with retries. */
    lockTtlMs: number;
  };
  worker: {
    /** How often the worker looks for shipments a crash or another instance left behind. */
    sweepIntervalMs: number;
    /** Carrier calls one instance makes at a time. */
    concurrency: number;
  };
  simulator: { enabled: boolean; port: number; latencyMs: number; failureRate: number };
}

export const DEFAULT_DESTINATIONS = 'AT,AU,BE,CA,CH,DE,DK,ES,FI,FR,GB,IE,IT,JP,NL,NO,PL,PT,SE,US';

const rate = makeValidator<number>((input: string) => {
  const value = Number(input);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new EnvError(`expected a number from 0 to 1, got "${input}"`);
  }
  return value;
});

const milliseconds = makeValidator<number>((input: string) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 0) {
    throw new EnvError(`expected a whole number of milliseconds, got "${input}"`);
  }
  return value;
});

/** Shipping's settings, checked against each other and against the service's own configuration. */
export function loadShippingOptions(
  service: Pick<ServiceConfig, 'nodeEnv' | 'lock'>,
  env: NodeJS.ProcessEnv = process.env,
): ShippingOptions {
  const production = service.nodeEnv === 'production';
  const clean = validateEnv(
    {
      SHIPPING_DESTINATIONS: codeList({ default: DEFAULT_DESTINATIONS.split(','), desc: 'served countries' }),
      CARRIER_SIMULATOR_ENABLED: bool({ default: !production, desc: 'run the simulated carrier in this process' }),
      CARRIER_SIMULATOR_PORT: port({ default: 3013, desc: 'port of the simulated carrier' }),
      CARRIER_LATENCY_MS: milliseconds({ default: 20, desc: 'simulated carrier latency' }),
      CARRIER_FAILURE_RATE: rate({ default: 0, desc: 'share of simulated carrier calls that fail' }),
      CARRIER_URL: production
        ? url({ desc: 'carrier base URL (required in production)' })
        : url({ default: '', desc: 'carrier base URL (default: the simulator)' }),
      CARRIER_ATTEMPTS: positiveInt({ default: 3, desc: 'booking attempts before shipping.failed' }),
      CARRIER_RETRY_BASE_MS: positiveInt({ default: 100, desc: 'first retry delay of carrier calls' }),
      CARRIER_TIMEOUT_MS: positiveInt({ default: 2000, desc: 'timeout of one carrier call' }),
      SHIPMENT_LOCK_TTL_MS: positiveInt({ default: 15_000, desc: 'lease of lock:shipment:<orderId>' }),
      SHIPMENT_SWEEP_INTERVAL_MS: positiveInt({ default: 1000, desc: 'how often the shipment worker sweeps' }),
      SHIPMENT_WORKER_CONCURRENCY: positiveInt({ default: 8, desc: 'carrier calls one instance makes at a time' }),
    },
    env,
  );
  if (production && clean.CARRIER_SIMULATOR_ENABLED) {
    throw new ConfigurationError(
      'Invalid configuration: CARRIER_SIMULATOR_ENABLED is invalid: the simulated carrier is not available when NODE_ENV=production',
    );
  }
  // Every attempt may time out, and the backoff between attempts is capped at one timeout.
  const worstCall =
    clean.CARRIER_ATTEMPTS * clean.CARRIER_TIMEOUT_MS + (clean.CARRIER_ATTEMPTS - 1) * clean.CARRIER_TIMEOUT_MS;
  if (clean.SHIPMENT_LOCK_TTL_MS < worstCall) {
    throw new ConfigurationError(
      `Invalid configuration: SHIPMENT_LOCK_TTL_MS is invalid: ${clean.SHIPMENT_LOCK_TTL_MS} ms does not cover a carrier call ` +
        `with its retries (CARRIER_ATTEMPTS × CARRIER_TIMEOUT_MS plus backoff: up to ${worstCall} ms)`,
    );
  }
  if (clean.SHIPMENT_LOCK_TTL_MS > service.lock.maxTtlMs) {
    throw new ConfigurationError(
      `Invalid configuration: SHIPMENT_LOCK_TTL_MS is invalid: ${clean.SHIPMENT_LOCK_TTL_MS} ms is over LOCK_MAX_TTL_MS (${service.lock.maxTtlMs} ms)`,
    );
  }
  return {
    destinations: clean.SHIPPING_DESTINATIONS,
    carrier: {
      url: clean.CARRIER_URL || `http://127.0.0.1:${clean.CARRIER_SIMULATOR_PORT}`,
      attempts: clean.CARRIER_ATTEMPTS,
      retryBaseMs: clean.CARRIER_RETRY_BASE_MS,
      timeoutMs: clean.CARRIER_TIMEOUT_MS,
      lockTtlMs: clean.SHIPMENT_LOCK_TTL_MS,
    },
    worker: {
      sweepIntervalMs: clean.SHIPMENT_SWEEP_INTERVAL_MS,
      concurrency: clean.SHIPMENT_WORKER_CONCURRENCY,
    },
    simulator: {
      enabled: clean.CARRIER_SIMULATOR_ENABLED,
      port: clean.CARRIER_SIMULATOR_PORT,
      latencyMs: clean.CARRIER_LATENCY_MS,
      failureRate: clean.CARRIER_FAILURE_RATE,
    },
  };
}

export const SHIPPING_OPTIONS = Symbol('SHIPPING_OPTIONS');
