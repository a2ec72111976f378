import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CurrentPrincipal, isAdmin } from '@app/consistency';
import type { Principal } from '@app/consistency';
import { Notification } from './notification.entity';

@Controller('notifications')
export class NotificationsHttpController {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  /** Only the caller's own notifications (a row without a known owner is for admins only). */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query('orderId', new ParseUUIDPipe()) orderId: string,
  ): Promise<Notification[]> {
    return this.notifications.find({
      where: { orderId, ...(isAdmin(principal) ? {} : { customerId: principal.sub }) },
      order: { createdAt: 'ASC' },
    });
  }
}
