import { CreateShipments1764000000000 } from './1764000000000-create-shipments';
import { ShipmentOwner1764000000020 } from './1764000000020-shipment-owner';
import { ShipmentBookings1764000000021 } from './1764000000021-shipment-bookings';

export const shippingMigrations = [
  CreateShipments1764000000000,
  ShipmentOwner1764000000020,
  ShipmentBookings1764000000021,
];
