import { ConsistencyModule, ServiceConfig } from '@app/consistency';
import { shippingManifest } from './shipping.manifest';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CarrierClient } from './carrier/carrier.client';
import { CarrierSimulator } from './carrier/carrier.simulator';
import { BookShipmentHandler } from './shipments/book-shipment.handler';
import { CancelShipmentHandler } from './shipments/cancel-shipment.handler';
import { SagaEventsMessageController } from './shipments/saga-events.message.controller';
import { ShipmentWorker } from './shipments/shipment.worker';
import { ShipmentsRepository } from './shipments/shipments.repository';
import { Shipment } from './shipments/shipment.entity';
import { ShipmentsHttpController } from './shipments/shipments.http.controller';
import { loadShippingOptions, SHIPPING_OPTIONS } from './shipping.options';

const entities = [Shipment];
const httpControllers = [ShipmentsHttpController];
const messageControllers = [SagaEventsMessageController];
const commandHandlers = [BookShipmentHandler, CancelShipmentHandler];
const workers = [ShipmentWorker];
const repositories = [ShipmentsRepository];
const carrier = [CarrierClient, CarrierSimulator];

@Module({})
export class ShippingModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: ShippingModule,
      imports: [
        ConsistencyModule.forRoot({ manifest: shippingManifest, config, entities }),
        TypeOrmModule.forFeature(entities),
      ],
      controllers: [...httpControllers, ...messageControllers],
      providers: [
        { provide: SHIPPING_OPTIONS, useValue: loadShippingOptions(config) },
        ...repositories,
        ...commandHandlers,
        ...workers,
        ...carrier,
      ],
    };
  }
}
