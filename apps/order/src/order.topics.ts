import { Topics } from '@app/contracts';

/** Every topic the order service consumes: the outcomes of the saga's steps. */
export const ORDER_CONSUMES = [Topics.inventory, Topics.shipping] as const;
