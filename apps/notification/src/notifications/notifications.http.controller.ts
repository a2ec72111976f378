import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { CurrentPrincipal, isAdmin } from '@app/consistency';
import type { Principal } from '@app/consistency';
import { Notification } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';

@Controller('notifications')
export class NotificationsHttpController {
  constructor(private readonly notifications: NotificationsRepository) {}

  /** Only the caller's own notifications (a row without a known owner is for admins only). */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query('orderId', new ParseUUIDPipe()) orderId: string,
  ): Promise<Notification[]> {
    return this.notifications.listForOrder(orderId, isAdmin(principal) ? null : principal.sub);
  }
}
