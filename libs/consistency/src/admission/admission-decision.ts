import type { AdmissionOptions } from './admission.options';
import { Backlog, BACKLOG_SIGNALS, BacklogSignal } from './backlog';

export type AdmissionDecision = { admit: true } | { admit: false; signal: BacklogSignal; retryAfterSeconds: number };

/** The longest Retry-After ever given: past it, a client should rather hear again than plan ahead. */
export const MAX_RETRY_AFTER_SECONDS = 30;

/**
 * A reading older than this many sample intervals is ignored: the sampler could not read since,
 * so it says nothing about now, and shedding on it would turn a failing sampler into an outage.
 */
export const STALE_AFTER_SAMPLES = 8;

const ADMIT: AdmissionDecision = { admit: true };

function boundOf(signal: BacklogSignal, options: AdmissionOptions): number {
  switch (signal) {
    case 'outbox_age':
      return options.maxOutboxAgeMs;
    case 'sagas_in_flight':
      return options.maxSagasInFlight;
    case 'consumer_lag':
      return options.maxConsumerLag;
  }
}

/** Counting further than this changes no decision: Retry-After is at its cap. */
export function countLimit(bound: number): number {
  return bound * (MAX_RETRY_AFTER_SECONDS + 1);
}

/**
 * Admits unless a fresh reading has reached its bound. Refused, the signal furthest past its bound is
 * the reason, and Retry-After is one second per bound's worth of excess (1 s just past it), so the
 * deeper the backlog, the longer clients stay away.
 */
export function decideAdmission(backlog: Backlog, options: AdmissionOptions, now: number): AdmissionDecision {
  if (!options.enabled) {
    return ADMIT;
  }
  const freshSince = now - STALE_AFTER_SAMPLES * options.sampleIntervalMs;
  let worst: { signal: BacklogSignal; excess: number } | undefined;
  for (const signal of BACKLOG_SIGNALS) {
    const reading = backlog[signal];
    const bound = boundOf(signal, options);
    if (reading === undefined || reading.at < freshSince || reading.value < bound) {
      continue;
    }
    const excess = (reading.value - bound) / bound;
    if (worst === undefined || excess > worst.excess) {
      worst = { signal, excess };
    }
  }
  if (worst === undefined) {
    return ADMIT;
  }
  const retryAfterSeconds = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(worst.excess)));
  return { admit: false, signal: worst.signal, retryAfterSeconds };
}
