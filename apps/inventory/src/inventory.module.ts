import { BatchLocks, ConsistencyModule, ServiceConfig } from '@app/consistency';
import { inventoryManifest } from './inventory.manifest';
import { DynamicModule, Module } from '@nestjs/common';
import { SagaEventsMessageController } from './reservations/saga-events.message.controller';
import { CommitStockHandler } from './reservations/commit-stock.handler';
import { ReleaseStockHandler } from './reservations/release-stock.handler';
import { ReserveStockHandler } from './reservations/reserve-stock.handler';
import { StockHttpController } from './stock/stock.http.controller';
import { ReservationsRepository } from './reservations/reservations.repository';
import { StockRepository } from './stock/stock.repository';
import { StockService } from './stock/stock.service';
import { StockBatchLocks } from './stock/stock-batch-locks';

const httpControllers = [StockHttpController];
const messageControllers = [SagaEventsMessageController];
const services = [StockService];
const repositories = [StockRepository, ReservationsRepository];
const commandHandlers = [ReserveStockHandler, ReleaseStockHandler, CommitStockHandler];

@Module({})
export class InventoryModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: InventoryModule,
      imports: [ConsistencyModule.forRoot({ manifest: inventoryManifest, config })],
      controllers: [...httpControllers, ...messageControllers],
      providers: [...services, ...repositories, ...commandHandlers, { provide: BatchLocks, useClass: StockBatchLocks }],
    };
  }
}
