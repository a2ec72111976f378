import { Topics } from './topics';

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface ShippingAddress {
  country: string;
  [field: string]: string;
}

export interface OrderCreatedV1 {
  customerId: string;
  items: OrderLine[];
  shippingAddress: ShippingAddress;
}

/**
 * The customer who owns the order, carried forward so that a service reading only later events can
 * tell whose records it keeps (optional: producers of earlier releases did not send it).
 */
export interface OwnedBy {
  customerId?: string;
}

export interface OrderCompletedV1 extends OwnedBy {
  shipmentId: string;
}

export interface OrderCancelledV1 extends OwnedBy {
  reason: string;
}

export interface InventoryReservedV1 extends OwnedBy {
  items: OrderLine[];
  /** Carried forward from order.created so shipping needs no second source for it. */
  shippingAddress: ShippingAddress;
}

export interface InventoryRejectedV1 {
  reason: string;
}

export interface InventoryReleasedV1 {
  items: OrderLine[];
}

export interface ShippingScheduledV1 {
  shipmentId: string;
  carrierReference: string;
}

export interface ShippingFailedV1 {
  reason: string;
}

export interface ShippingCancelledV1 {
  shipmentId: string;
}

/** The current payload of every event type; a new version changes the type here and adds an upcaster. */
export interface EventPayloads {
  'order.created': OrderCreatedV1;
  'order.completed': OrderCompletedV1;
  'order.cancelled': OrderCancelledV1;
  'inventory.reserved': InventoryReservedV1;
  'inventory.rejected': InventoryRejectedV1;
  'inventory.released': InventoryReleasedV1;
  'shipping.scheduled': ShippingScheduledV1;
  'shipping.failed': ShippingFailedV1;
  'shipping.cancelled': ShippingCancelledV1;
}

export type EventType = keyof EventPayloads;

interface EventDefinition {
  topic: string;
  version: number;
}

/** Topic and current version of each event type: the one table producers and consumers share. */
export const EventCatalog: { readonly [T in EventType]: EventDefinition } = {
  'order.created': { topic: Topics.order, version: 1 },
  'order.completed': { topic: Topics.order, version: 1 },
  'order.cancelled': { topic: Topics.order, version: 1 },
  'inventory.reserved': { topic: Topics.inventory, version: 1 },
  'inventory.rejected': { topic: Topics.inventory, version: 1 },
  'inventory.released': { topic: Topics.inventory, version: 1 },
  'shipping.scheduled': { topic: Topics.shipping, version: 1 },
  'shipping.failed': { topic: Topics.shipping, version: 1 },
  'shipping.cancelled': { topic: Topics.shipping, version: 1 },
};
