import { codeList, positiveInt, validateEnv } from '@app/consistency';
import { bool, EnvError, makeValidator, port, url } from 'envalid';

export interface ShippingOptions {
  /** Countries the carrier serves; AQ is never among the defaults, so it exercises compensation. */
  destinations: string[];
  carrier: {
    url: string;
    attempts: number;
    retryBaseMs: number;
    timeoutMs: number;
    /** Lease of `lock:shipment:<orderId>` while booking; must cover the carrier's SLA with retries. */
    lockTtlMs: number;
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

export function loadShippingOptions(env: NodeJS.ProcessEnv = process.env): ShippingOptions {
  const clean = validateEnv(
    {
      SHIPPING_DESTINATIONS: codeList({ default: DEFAULT_DESTINATIONS.split(','), desc: 'served countries' }),
      CARRIER_SIMULATOR_ENABLED: bool({ default: true, desc: 'run the simulated carrier in this process' }),
      CARRIER_SIMULATOR_PORT: port({ default: 3013, desc: 'port of the simulated carrier' }),
      CARRIER_LATENCY_MS: milliseconds({ default: 20, desc: 'simulated carrier latency' }),
      CARRIER_FAILURE_RATE: rate({ default: 0, desc: 'share of simulated carrier calls that fail' }),
      CARRIER_URL: url({ default: '', desc: 'carrier base URL (default: the simulator)' }),
      CARRIER_ATTEMPTS: positiveInt({ default: 3, desc: 'booking attempts before shipping.failed' }),
      CARRIER_RETRY_BASE_MS: positiveInt({ default: 100, desc: 'first retry delay of carrier calls' }),
      CARRIER_TIMEOUT_MS: positiveInt({ default: 2000, desc: 'timeout of one carrier call' }),
      SHIPMENT_LOCK_TTL_MS: positiveInt({ default: 15_000, desc: 'lease of lock:shipment:<orderId>' }),
    },
    env,
  );
  return {
    destinations: clean.SHIPPING_DESTINATIONS,
    carrier: {
      url: clean.CARRIER_URL || `http://127.0.0.1:${clean.CARRIER_SIMULATOR_PORT}`,
      attempts: clean.CARRIER_ATTEMPTS,
      retryBaseMs: clean.CARRIER_RETRY_BASE_MS,
      timeoutMs: clean.CARRIER_TIMEOUT_MS,
      lockTtlMs: clean.SHIPMENT_LOCK_TTL_MS,
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
