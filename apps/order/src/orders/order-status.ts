/** PENDING → STOCK_RESERVED → COMPLETED, or → COMPENSATING → CANCELLED; CANCELLED from any open state. */
export type OrderStatus = 'PENDING' | 'STOCK_RESERVED' | 'COMPENSATING' | 'COMPLETED' | 'CANCELLED';

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED'];

/** The order's outcome: it moves no more. */
export const isTerminal = (status: OrderStatus): boolean => TERMINAL_STATUSES.includes(status);

/**
 * The order's state machine: each saga reaction and the states it may leave. A reaction arriving in
 * any other state (a duplicate, a late reply, a reordered event) changes nothing.
 */
export const OrderTransitions = {
  stockReserved: { from: ['PENDING'], to: 'STOCK_RESERVED' },
  shipmentScheduled: { from: ['PENDING', 'STOCK_RESERVED'], to: 'COMPLETED' },
  shipmentFailed: { from: ['PENDING', 'STOCK_RESERVED'], to: 'COMPENSATING' },
  cancel: { from: ['PENDING', 'STOCK_RESERVED', 'COMPENSATING'], to: 'CANCELLED' },
} as const satisfies Record<string, { from: readonly OrderStatus[]; to: OrderStatus }>;

export type OrderTransition = (typeof OrderTransitions)[keyof typeof OrderTransitions];
