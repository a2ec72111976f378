import { CreateShipments1764000000000 } from './1764000000000-create-shipments';
import { ShipmentOwner1764000000020 } from './1764000000020-shipment-owner';

export const shippingMigrations = [CreateShipments1764000000000, ShipmentOwner1764000000020];
