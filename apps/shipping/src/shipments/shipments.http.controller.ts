import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CurrentPrincipal, isAdmin } from '@app/consistency';
import type { Principal } from '@app/consistency';
import { Shipment } from './shipment.entity';

@Controller('shipments')
export class ShipmentsHttpController {
  constructor(@InjectRepository(Shipment) private readonly shipments: Repository<Shipment>) {}

  /** Only the caller's own shipments (a row without a known owner is for admins only). */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query('orderId', new ParseUUIDPipe()) orderId: string,
  ): Promise<Shipment[]> {
    return this.shipments.find({
      where: { orderId, ...(isAdmin(principal) ? {} : { customerId: principal.sub }) },
      order: { createdAt: 'ASC' },
    });
  }
}
