/** What a service watches to tell whether it can take more work. */
export const BACKLOG_SIGNALS = ['outbox_age', 'sagas_in_flight', 'consumer_lag'] as const;

export type BacklogSignal = (typeof BACKLOG_SIGNALS)[number];

/** A signal's value (milliseconds for `outbox_age`, a count otherwise) and when it was read. */
export interface Reading {
  value: number;
  /** Epoch milliseconds. */
  at: number;
}

/** The latest reading of each signal; a signal the service does not have is absent. */
export type Backlog = Partial<Record<BacklogSignal, Reading>>;
