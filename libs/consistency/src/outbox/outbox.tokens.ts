/** The in-process signal that outbox rows were committed (an `OutboxSignal`). */
export const OUTBOX_SIGNAL = Symbol('OUTBOX_SIGNAL');
