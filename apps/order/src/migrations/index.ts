import { CreateOrders1764000000000 } from './1764000000000-create-orders';
import { OrderSaga1764000000010 } from './1764000000010-order-saga';

export const orderMigrations = [CreateOrders1764000000000, OrderSaga1764000000010];
