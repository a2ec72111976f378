export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');
export const OUTBOX_SIGNAL = Symbol('OUTBOX_SIGNAL');
