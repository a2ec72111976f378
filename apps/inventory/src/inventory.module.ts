import { ConsistencyModule, ServiceConfig } from '@app/consistency';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { inventoryMigrations } from './migrations';
import { SagaEventsMessageController } from './reservations/saga-events.message.controller';
import { CommitStockHandler } from './reservations/commit-stock.handler';
import { ReleaseStockHandler } from './reservations/release-stock.handler';
import { ReserveStockHandler } from './reservations/reserve-stock.handler';
import { StockHttpController } from './stock/stock.http.controller';
import { StockItem } from './stock/stock-item.entity';
import { StockService } from './stock/stock.service';

const entities = [StockItem];
const httpControllers = [StockHttpController];
const messageControllers = [SagaEventsMessageController];
const services = [StockService];
const commandHandlers = [ReserveStockHandler, ReleaseStockHandler, CommitStockHandler];

@Module({})
export class InventoryModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        ConsistencyModule.forRoot({ config, database: { entities, migrations: inventoryMigrations } }),
        TypeOrmModule.forFeature(entities),
      ],
      controllers: [...httpControllers, ...messageControllers],
      providers: [...services, ...commandHandlers],
    };
  }
}
