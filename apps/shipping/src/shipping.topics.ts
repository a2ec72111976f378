import { Topics } from '@app/contracts';

/** Every topic the shipping service consumes: reservations to ship, cancellations to undo. */
export const SHIPPING_CONSUMES = [Topics.inventory, Topics.order] as const;
