import { ConsistencyModule, ServiceConfig } from '@app/consistency';
import { orderManifest } from './order.manifest';
import { DynamicModule, Module } from '@nestjs/common';
import { Order } from './orders/order.entity';
import { LONG_POLL_OPTIONS, loadLongPollOptions } from './orders/long-poll.options';
import { OrderWaiters } from './orders/order-waiters';
import { OrdersHttpController } from './orders/orders.http.controller';
import { OrdersRepository } from './orders/orders.repository';
import { OrdersService } from './orders/orders.service';
import { OrderSaga } from './saga/order-saga';
import { OpenSagasProbe } from './saga/open-sagas.probe';
import { OrderSagaMetrics } from './saga/order-saga.metrics';
import { SagaLogRepository } from './saga/saga-log.repository';
import { SagaOutcomesMessageController } from './saga/saga-outcomes.message.controller';
import { SagaScanner } from './saga/saga-scanner';
import { loadSagaOptions, SAGA_OPTIONS } from './saga/saga.options';

const entities = [Order];
const httpControllers = [OrdersHttpController];
const messageControllers = [SagaOutcomesMessageController];
const services = [OrdersService, OrderWaiters, OrderSaga, OrderSagaMetrics, SagaScanner];
const repositories = [OrdersRepository, SagaLogRepository];

@Module({})
export class OrderModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: OrderModule,
      imports: [
        ConsistencyModule.forRoot({ manifest: orderManifest, config, entities, sagasInFlight: OpenSagasProbe }),
      ],
      controllers: [...httpControllers, ...messageControllers],
      providers: [
        { provide: SAGA_OPTIONS, useValue: loadSagaOptions() },
        { provide: LONG_POLL_OPTIONS, useValue: loadLongPollOptions() },
        ...services,
        ...repositories,
      ],
    };
  }
}
