import { ConsistencyModule, ServiceConfig } from '@app/consistency';
import { DynamicModule, Module } from '@nestjs/common';
import { orderMigrations } from './migrations';
import { Order } from './orders/order.entity';
import { OrdersHttpController } from './orders/orders.http.controller';
import { OrdersService } from './orders/orders.service';
import { OrderSaga } from './saga/order-saga';
import { OrderSagaMetrics } from './saga/order-saga.metrics';
import { SagaOutcomesMessageController } from './saga/saga-outcomes.message.controller';
import { SagaScanner } from './saga/saga-scanner';
import { loadSagaOptions, SAGA_OPTIONS } from './saga/saga.options';

const entities = [Order];
const httpControllers = [OrdersHttpController];
const messageControllers = [SagaOutcomesMessageController];
const services = [OrdersService, OrderSaga, OrderSagaMetrics, SagaScanner];

@Module({})
export class OrderModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: OrderModule,
      imports: [ConsistencyModule.forRoot({ config, database: { entities, migrations: orderMigrations } })],
      controllers: [...httpControllers, ...messageControllers],
      providers: [{ provide: SAGA_OPTIONS, useValue: loadSagaOptions() }, ...services],
    };
  }
}
