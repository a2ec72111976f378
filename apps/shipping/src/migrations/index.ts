import { CreateShipments1764000000000 } from './1764000000000-create-shipments';

export const shippingMigrations = [CreateShipments1764000000000];
