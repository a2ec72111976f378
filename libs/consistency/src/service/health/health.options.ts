/** What `/health` needs to know about the service beyond the state it reads. */
export interface HealthOptions {
  /** Whether this process runs a relay (OUTBOX_RELAY_ENABLED); without one, the relay is not a component. */
  relayEnabled: boolean;
  /** How long the consumer may fail, the broker answering, before `/health/live` fails. */
  restartWindowMs: number;
  /** Longest event-loop block `/health/live` accepts. */
  eventLoopMaxDelayMs: number;
}

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');
