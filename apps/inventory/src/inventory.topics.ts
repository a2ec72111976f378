import { Topics } from '@app/contracts';

/** Every topic the inventory service consumes: orders to reserve for, and their compensations. */
export const INVENTORY_CONSUMES = [Topics.order, Topics.shipping] as const;
