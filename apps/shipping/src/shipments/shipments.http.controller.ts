import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Shipment } from './shipment.entity';

@Controller('shipments')
export class ShipmentsHttpController {
  constructor(@InjectRepository(Shipment) private readonly shipments: Repository<Shipment>) {}

  @Get()
  list(@Query('orderId', new ParseUUIDPipe()) orderId: string): Promise<Shipment[]> {
    return this.shipments.find({ where: { orderId }, order: { createdAt: 'ASC' } });
  }
}
